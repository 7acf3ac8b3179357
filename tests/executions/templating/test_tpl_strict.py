"""Kestra's strict variables: what is undefined, what ``??``, ``???`` and ``is defined`` catch."""

from __future__ import annotations

from typing import Any

import pytest

from executions.templating import Renderer, TemplateError

R = Renderer()
VARS: dict[str, Any] = {
    "block": {"test": {"child": "awesome"}, "empty": {}},
    "inner": "test",
    "list": ["a", "b", "c"],
    "nothing": None,
    "inputs": {"x": "X"},
}


def r(template: str, **context: Any) -> str:
    return R.render(template, {**VARS, **context})


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{missingVar}}",
            "Unable to find `missingVar` used in the expression `{{missingVar}}` at line 1",
        ),
        (
            "{{inputs.invalid}}",
            "Unable to find `invalid` used in the expression `{{inputs.invalid}}` at line 1",
        ),
        (
            "a\n{{ nothing.child }}",
            "Unable to find `nothing` used in the expression `a\n{{ nothing.child }}` at line 2",
        ),
        ("{{ block.test.child.deeper }}", "Unable to find `deeper`"),
        ("{{ list[3] }}", "Unable to find `3`"),
        ("{{ list[-1] }}", "Unable to find `-1`"),
        ("{{ inner.bla }}", "Unable to find `bla`"),
        ("{{ block[missing].child }}", "Unable to find `missing`"),
        ("{{ missing | upper }}", "Unable to find `missing`"),
        ("{{ missing is null }}", "Unable to find `missing`"),
        ("{{ missing ?? missing2 }}", "Unable to find `missing2`"),
        ("{{ missing is defined ? missing : missing2 }}", "Unable to find `missing2`"),
    ],
)
def test_undefined_fails_with_kestras_message(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as error:
        r(template)
    assert message in str(error.value)


def test_fast_path_has_the_same_messages() -> None:
    with pytest.raises(
        TemplateError,
        match=r"Unable to find `inputs` used in the expression `\{\{inputs.invalid\}\}` at line 1",
    ):
        R.render("{{inputs.invalid}}", {})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ missing is defined }}", "false"),
        ("{{ missing.deep.path is defined }}", "false"),
        ("{{ block.test.child is defined }}", "true"),
        ("{{ list[3] is defined }}", "false"),
        ("{{ nothing is defined }}", "false"),  # Pebble: null is not defined
        ("{{ missing is not defined }}", "true"),
        ("{{ inner.bla is not defined ? block.test.child : null }}", "awesome"),
        ("{{ block[missing].child is defined ? null : block[inner].child }}", "awesome"),
        ("{{ list[3] is defined ? bla : null }}", ""),
        ("{{ nothing is null }} {{ inner is not null }}", "true true"),
        ("{{ missing ?? 'd' }}", "d"),
        ("{{ nothing ?? 'd' }}", "d"),
        ("{{ block.empty ?? 'UNDEFINED' }}", "{}"),
        ("{{ inner.bla ?? block.test.child }}", "awesome"),
        ("{{ block[missing].child ?? block[missing2].child ?? block[inner].child }}", "awesome"),
        ("{{ (missing | upper) ?? 'caught' }}", "caught"),
        ("{{ null ??? 'IS NULL' }}", ""),
        ("{{ nothing ??? 'IS NULL' }}", ""),
        ("{{ undefined ??? 'IS UNDEFINED' }}", "IS UNDEFINED"),
        ("{{ outputs.not_existing ?? '' }}", ""),
        ("{{ x ? 'ok' : ko }}", "ok"),
    ],
)
def test_checks_that_catch_undefined(template: str, expected: str) -> None:
    assert r(template, x=True) == expected


def test_ternary_only_evaluates_the_branch_taken() -> None:
    with pytest.raises(TemplateError, match="Unable to find `ko`"):
        r("{{ x ? 'ok' : ko }}", x=False)


def test_a_null_variable_prints_nothing() -> None:
    assert r("[{{ nothing }}]") == "[]"


def test_errors_inside_filters_are_not_swallowed_by_coalescing() -> None:
    with pytest.raises(TemplateError, match="abs"):
        r("{{ ('x' | abs) ?? 'no' }}")


def test_and_or_not_refuse_null() -> None:
    for template in ("{{ nothing and true }}", "{{ not nothing }}"):
        with pytest.raises(TemplateError, match="null value"):
            r(template)


def test_unknown_filter_function_and_test() -> None:
    with pytest.raises(TemplateError, match=r"Filter \[nope\] does not exist"):
        r("{{ 1 | nope }}")
    with pytest.raises(TemplateError, match=r"Function or Macro \[nope\] does not exist"):
        r("{{ nope() }}")
    with pytest.raises(TemplateError, match=r"Test \[nope\] does not exist"):
        r("{{ 1 is nope }}")
