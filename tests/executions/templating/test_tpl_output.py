"""How values are written into strings, and the Renderer API around render()."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from executions.templating import Renderer, TemplateError, render

R = Renderer()


def out(value: Any) -> str:
    return R.render("{{ v }}", {"v": value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("string", "string"),
        (1, "1"),
        (-42, "-42"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        (1.0, "1.0"),
        (1.123, "1.123"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (-2.5e-10, "-2.5E-10"),
        (float("nan"), "NaN"),
        (Decimal("1.50"), "1.50"),
        (["string", 1, 1.123], '["string",1,1.123]'),
        ({"value": "flow-with-outputs"}, '{"value":"flow-with-outputs"}'),
        ({"a": None, "b": [True, {"c": 1.0}]}, '{"a":null,"b":[true,{"c":1.0}]}'),
        ({"quote": 'say "hi"\n', "unicode": "é"}, '{"quote":"say \\"hi\\"\\n","unicode":"é"}'),
        ((1, 2), "[1,2]"),
        (datetime(2013, 9, 8, 14, 19, tzinfo=UTC), "2013-09-08T14:19:00Z"),
        (datetime(2013, 9, 8, 14, 19, 0, 123000, tzinfo=UTC), "2013-09-08T14:19:00.123Z"),
        (
            datetime(2013, 9, 8, 16, 19, tzinfo=timezone(timedelta(hours=2))),
            "2013-09-08T16:19+02:00",
        ),
        (
            datetime(2013, 9, 8, 16, 19, 5, tzinfo=ZoneInfo("Europe/Paris")),
            "2013-09-08T16:19:05+02:00[Europe/Paris]",
        ),
        (datetime(2013, 9, 8, 16, 19, 0, 500), "2013-09-08T16:19:00.000500"),
        (date(2013, 9, 8), "2013-09-08"),
        (timedelta(seconds=5), "PT5S"),
        (timedelta(hours=1, minutes=30), "PT1H30M"),
    ],
)
def test_output_conversion(value: Any, expected: str) -> None:
    assert out(value) == expected


def test_enums_behave_like_java_enums() -> None:
    class State(Enum):
        SUCCESS = 1

    context = {"state": State.SUCCESS}
    assert R.render("{{ state }} {{ state == 'SUCCESS' }} {{ [state] }}", context) == (
        'SUCCESS true ["SUCCESS"]'
    )


def test_dates_inside_json_are_iso() -> None:
    moment = datetime(2013, 9, 8, 16, 19, tzinfo=timezone(timedelta(hours=2)))
    assert out({"d": moment}) == '{"d":"2013-09-08T16:19:00+02:00"}'


def test_strings_without_tags_come_back_unchanged() -> None:
    text = "no tags { here } #{x}"
    assert R.render(text, {}) is text


def test_render_value_renders_keys_values_and_nested_lists() -> None:
    value = {
        "{{ k }}": ["{{ a }}", 1, {"n": "{{ a }}!"}],
        "plain": 2.5,
        "none": None,
        "{{ k }}x": True,
    }
    result = R.render_value(value, {"k": "key", "a": "A"})
    assert result == {"key": ["A", 1, {"n": "A!"}], "plain": 2.5, "none": None, "keyx": True}
    assert R.render_value({"{{ k }}": 1, "key": 2}, {"k": "key"}) == {"key": 1}  # first one wins
    assert R.render_value([("{{ a }}",)], {"a": 1}) == [("1",)]
    assert R.render_value(7, {}) == 7


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ list }}", ["a", 1]),
        ("{{ map }}", {"k": [1]}),
        ("{{ 1 + 1 }}", 2),
        ("{{ 1.5 }}", 1.5),
        ("{{ true }}", True),
        ("{{ null }}", None),
        ("{{ missing ?? null }}", None),
        ("{{ map.k }}", [1]),
        ("{{ map | keys }}", ["k"]),
        ("{{ list[0] }}", "a"),
        ("value: {{ list }}", 'value: ["a",1]'),
        (" {{ 1 }}", " 1"),
        ("{{ 1 }}{{ 2 }}", "12"),
        ("plain", "plain"),
        ("{% raw %}{{ list }}{% endraw %}", "{{ list }}"),
    ],
)
def test_render_typed(template: str, expected: Any) -> None:
    assert R.render_typed(template, {"list": ["a", 1], "map": {"k": [1]}}) == expected


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        ("true", True),
        ("1", True),
        ("anything", True),
        ("False", True),  # Kestra compares exactly with "false"
        (" ", True),
        ("false", False),
        ("0", False),
        ("-0", False),
        ("", False),
    ],
)
def test_is_true_follows_truth_utils(rendered: str, expected: bool) -> None:
    assert R.is_true("{{ v }}", {"v": rendered}) is expected


def test_is_true_on_values_that_are_not_templates() -> None:
    assert R.is_true(True, {}) is True  # type: ignore[arg-type]
    assert R.is_true(False, {}) is False  # type: ignore[arg-type]
    assert R.is_true(None, {}) is False  # type: ignore[arg-type]


def test_is_true_on_expressions() -> None:
    assert R.is_true("{{ 1 == 1 }}", {}) is True
    assert R.is_true("{{ outputs.x ?? '' }}", {}) is False
    assert R.is_true("{{ inputs.crash is defined }}", {"inputs": {}}) is False


def test_module_level_render() -> None:
    assert render("{{ a }}-{{ b }}", {"a": 1, "b": "x"}) == "1-x"


def test_output_size_is_capped() -> None:
    from executions.templating import Limits

    small = Renderer(limits=Limits(max_output=100))
    with pytest.raises(TemplateError, match="exceeds"):
        small.render("{% for i in range(1, 200) %}xx{% endfor %}", {})
    with pytest.raises(TemplateError, match="exceeds"):
        small.render("{{ v }}", {"v": list(range(100))})


def test_templates_are_cached() -> None:
    from executions.templating.compiler import compile_template

    template = "{{ a }} cached {{ b }}"
    assert compile_template(template) is compile_template(template)
