"""The reusable types: ISO durations and templated (dynamic) values."""

from __future__ import annotations

import datetime

import pytest
from pydantic import BaseModel

from flows.spec import parse_duration
from flows.spec.types import Dynamic, DynDuration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT5M", datetime.timedelta(minutes=5)),
        ("PT0.5S", datetime.timedelta(milliseconds=500)),
        ("P1D", datetime.timedelta(days=1)),
        ("P1DT2H", datetime.timedelta(days=1, hours=2)),
        ("PT1H30M15S", datetime.timedelta(hours=1, minutes=30, seconds=15)),
        ("-PT1M", datetime.timedelta(minutes=-1)),
        ("pt60m", datetime.timedelta(hours=1)),
        ("P0D", datetime.timedelta(0)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "5M", "PT5", "P1DT", "P1W", "1 minute", "PT-"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_duration_refuses_non_strings():
    with pytest.raises(ValueError):
        parse_duration(60)  # type: ignore[arg-type]


class _Holder(BaseModel):
    count: Dynamic[int] = 1
    wait: DynDuration | None = None


def test_dynamic_accepts_the_type_or_a_template():
    assert _Holder(count=3).count == 3
    assert _Holder(count="{{ inputs.n }}").count == "{{ inputs.n }}"
    assert _Holder(wait="{% if x %}PT1M{% endif %}").wait.startswith("{%")
    assert _Holder(wait="PT1M").wait == "PT1M"
    with pytest.raises(ValueError):
        _Holder(count="many")
    with pytest.raises(ValueError):
        _Holder(wait="soon")
    schema = _Holder.model_json_schema()["properties"]["count"]
    assert {"type": "integer"} in schema["anyOf"]
