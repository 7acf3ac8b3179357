"""Validation rules of each input type, with Kestra's messages (the Input.validate methods)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from executions.inputs.declared import is_required
from executions.inputs.errors import InvalidValue
from executions.inputs.temporal import parse_date, parse_instant, parse_java_duration, parse_time
from executions.templating.values import java_str

# Kestra's email check, as is (the empty string passes).
EMAIL_PATTERN = re.compile("^$|^[a-zA-Z0-9_!#$%&\u2019*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$")

Rule = Callable[[dict[str, Any], Any], None]


def validate(declared: dict[str, Any], value: Any) -> None:
    """Raise InvalidValue with Kestra's message when a typed value breaks a rule of its input."""
    rule = _RULES.get(str(declared.get("type")))
    if rule is not None and value is not None:
        rule(declared, value)


def _pattern(declared: dict[str, Any], value: Any) -> None:
    validator = declared.get("validator")
    if validator is not None and not re.fullmatch(validator, java_str(value)):
        raise InvalidValue(f"it must match the pattern `{validator}`")


def _values(declared: dict[str, Any], value: Any) -> None:
    values = list(declared.get("values") or ())
    # As in Kestra, an optional ENUM or SELECT accepts a value outside its list.
    if value in values or not is_required(declared) or declared.get("allowCustomValue"):
        return
    raise InvalidValue(f"it must match the values `{java_str(values)}`")


def _multiselect(declared: dict[str, Any], value: Any) -> None:
    values, options = declared.get("values"), declared.get("options")
    if values is not None and options is not None:
        raise InvalidValue("you can't define both `values` and `options`")
    if declared.get("allowCustomValue"):
        return
    allowed = list(values if values is not None else options or ())
    for item in value:
        if item not in allowed:
            raise InvalidValue(f"it must match the values `{java_str(allowed)}`")


def _email(declared: dict[str, Any], value: Any) -> None:
    if not EMAIL_PATTERN.match(java_str(value)):
        raise InvalidValue("The input must be a valid email")


def _bounds(
    low: str,
    high: str,
    parse: Callable[[Any], Any],
    text: Callable[[Any], str],
    too_low: str,
    too_high: str,
) -> Rule:
    """A rule checking `low <= value <= high`, bounds read with the input type's own parser."""

    def check(declared: dict[str, Any], value: Any) -> None:
        minimum, maximum = declared.get(low), declared.get(high)
        if minimum is not None and value < parse(minimum):
            raise InvalidValue(f"{too_low} `{text(parse(minimum))}`")
        if maximum is not None and value > parse(maximum):
            raise InvalidValue(f"{too_high} `{text(parse(maximum))}`")

    return check


def _number(cast: Callable[[Any], Any]) -> Rule:
    return _bounds("min", "max", cast, java_str, "it must be more than", "it must be less than")


def _dated(parse: Callable[[Any], Any]) -> Rule:
    return _bounds("after", "before", parse, java_str, "it must be after", "it must be before")


_RULES: dict[str, Rule] = {
    "STRING": _pattern,
    "SECRET": _pattern,
    "ENUM": _values,
    "SELECT": _values,
    "MULTISELECT": _multiselect,
    "EMAIL": _email,
    "INT": _number(int),
    "FLOAT": _number(float),
    "DATE": _dated(parse_date),
    "DATETIME": _dated(parse_instant),
    "TIME": _dated(parse_time),
    # Kestra capitalises these two, unlike the others.
    "DURATION": _bounds(
        "min", "max", parse_java_duration, java_str, "It must be more than", "It must be less than"
    ),
}
