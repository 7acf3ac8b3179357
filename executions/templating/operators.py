"""Pebble's operators: equality, comparisons, arithmetic (Java semantics), ~ and contains."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, DivisionByZero, InvalidOperation
from enum import Enum
from typing import Any

from jinja2.runtime import Undefined

from executions.templating.errors import RenderError
from executions.templating.values import is_number, java_str


def _plain(value: Any) -> Any:
    return None if isinstance(value, Undefined) else value


def eq(left: Any, right: Any) -> bool:
    """Pebble's equals: numbers by value (1 == 1.0), otherwise Java's equals."""
    left, right = _plain(left), _plain(right)
    if isinstance(left, Enum) or isinstance(right, Enum):  # Pebble compares enums by name
        left, right = (v.name if isinstance(v, Enum) else v for v in (left, right))
    if is_number(left) and is_number(right):
        return left == right  # type: ignore[no-any-return]
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right  # type: ignore[no-any-return]


def ne(left: Any, right: Any) -> bool:
    return not eq(left, right)


_COMPARE = {"<": "LESS_THAN", ">": "GREATER_THAN", "<=": "LESS_THAN_EQUALS"}
_COMPARE[">="] = "GREATER_THAN_EQUALS"
_OPERATIONS = {"+": "ADD", "-": "SUBTRACT", "*": "MULTIPLICATION", "/": "DIVISION", "%": "MODULUS"}


def operate(op: str, left: Any, right: Any, lineno: int) -> Any:
    left, right = _plain(left), _plain(right)
    if op in _COMPARE:
        return _compare(op, left, right, lineno)
    if op == "+" and (isinstance(left, str) or isinstance(right, str)):
        return concat(java_str(left), java_str(right), lineno)
    if op in "+-" and isinstance(left, list | tuple):
        extra = list(right) if isinstance(right, list | tuple | set) else [right]
        if op == "+":
            return [*left, *extra]
        result = list(left)
        for item in extra:
            if item in result:
                result.remove(item)
        return result
    if not is_number(left) or not is_number(right):
        raise RenderError(
            f"invalid operands for mathematical operation [{_OPERATIONS[op]}]", lineno
        )
    try:
        return _arithmetic(op, left, right)
    except (ZeroDivisionError, DivisionByZero, InvalidOperation):
        raise RenderError("/ by zero", lineno) from None


def _compare(op: str, left: Any, right: Any, lineno: int) -> bool:
    if left is None or right is None:
        return False
    comparable = is_number(left) and is_number(right)
    comparable = comparable or (type(left) is type(right) and not isinstance(left, bool | Mapping))
    if not comparable:
        raise RenderError(f"invalid operands for mathematical comparison [{_COMPARE[op]}]", lineno)
    try:
        if op == "<":
            return left < right  # type: ignore[no-any-return]
        if op == ">":
            return left > right  # type: ignore[no-any-return]
        return left <= right if op == "<=" else left >= right  # type: ignore[no-any-return]
    except TypeError:
        raise RenderError(
            f"invalid operands for mathematical comparison [{_COMPARE[op]}]", lineno
        ) from None


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        left, right = Decimal(str(left)), Decimal(str(right))
    elif isinstance(left, float) or isinstance(right, float):
        left, right = float(left), float(right)
        if op == "/" and right == 0:
            return math.nan if left == 0 or math.isnan(left) else math.copysign(math.inf, left)
        if op == "%":
            return math.fmod(left, right) if right else math.nan
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if isinstance(left, int):  # Java integer division and remainder truncate toward zero
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        return quotient if op == "/" else left - right * quotient
    return left / right if op == "/" else left % right


def pos(value: Any, lineno: int) -> Any:
    return operate("*", 1, value, lineno)


def neg(value: Any, lineno: int) -> Any:
    return operate("*", -1, value, lineno)


def concat(left: Any, right: Any, lineno: int) -> str:
    """``~``: null sides are skipped, others use Java's toString."""
    left, right = _plain(left), _plain(right)
    text = ("" if left is None else java_str(left)) + ("" if right is None else java_str(right))
    if len(text) > 32 * 1024 * 1024:
        raise RenderError("String concatenation exceeds the size limit", lineno)
    return text


def contains(left: Any, right: Any, lineno: int) -> bool:
    left, right = _plain(left), _plain(right)
    if left is None:
        return False
    if isinstance(left, list | tuple | set | frozenset):
        if isinstance(right, list | tuple | set | frozenset):
            return all(item in left for item in right)
        return right in left
    if isinstance(left, Mapping):
        try:
            return right in left
        except TypeError:
            return False
    if isinstance(left, str):
        return java_str(right) in left
    raise RenderError(
        "Contains operator can only be used on Collections, Maps and arrays. Actual type was: "
        + type(left).__name__,
        lineno,
    )
