"""Java number parsing (NumberUtils.createNumber) and DecimalFormat patterns (``#,##0.00``)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from executions.templating.errors import RenderError
from executions.templating.values import is_number

_INTEGER_RE = re.compile(r"[+-]?\d+[lL]?")
_HEX_RE = re.compile(r"([+-]?)(?:0[xX]|#)([0-9a-fA-F]+)")


def parse_number(text: str, kind: str | None = None) -> Any:
    """The ``number`` filter: an int or a float, or the Java type asked for."""
    value = text.strip()
    try:
        if kind in ("INT", "LONG", "BIGINTEGER"):
            return int(value.rstrip("lL"))
        if kind in ("FLOAT", "DOUBLE"):
            return float(value.rstrip("fFdD"))
        if kind == "BIGDECIMAL":
            return Decimal(value)
        hexadecimal = _HEX_RE.fullmatch(value)
        if hexadecimal:
            return int(hexadecimal.group(1) + hexadecimal.group(2), 16)
        if _INTEGER_RE.fullmatch(value):
            return int(value.rstrip("lL"))
        return float(value.rstrip("fFdD"))
    except (ValueError, InvalidOperation):
        raise RenderError(f"{text} is not a valid number.") from None


def _group(digits: str, size: int) -> str:
    if size <= 0 or len(digits) <= size:
        return digits
    head = len(digits) % size or size
    return ",".join(
        [digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)]
    )


def decimal_format(number: Any, pattern: str | None) -> str:
    """Format like java.text.DecimalFormat (Locale.US), HALF_EVEN rounding."""
    if not is_number(number):
        raise RenderError("The input for the 'NumberFormat' filter has to be a number.")
    if pattern is None:
        pattern = "#,##0.###"
    pattern = pattern.split(";")[0]
    body = re.search(r"[#0,.]+", pattern)
    if body is None:
        raise RenderError(f'Malformed pattern "{pattern}"')
    prefix, suffix = (
        pattern[: body.start()].replace("'", ""),
        pattern[body.end() :].replace("'", ""),
    )
    value = Decimal(str(number))
    if "%" in prefix + suffix:
        value *= 100
    elif "\u2030" in prefix + suffix:
        value *= 1000
    integer_part, _, fraction_part = body.group().partition(".")
    grouping = len(integer_part) - integer_part.rfind(",") - 1 if "," in integer_part else 0
    min_integer = integer_part.count("0")
    min_fraction = fraction_part.count("0")
    max_fraction = min_fraction + fraction_part.count("#")
    rounded = value.quantize(Decimal(1).scaleb(-max_fraction), rounding=ROUND_HALF_EVEN)
    sign = "-" if rounded < 0 else ""
    whole, _, decimals = f"{abs(rounded):f}".partition(".")
    decimals = decimals.rstrip("0")
    decimals = decimals.ljust(min_fraction, "0")
    whole = whole.lstrip("0").rjust(min_integer, "0")
    if not whole and not decimals:
        whole = "0"
    text = _group(whole, grouping) + ("." + decimals if decimals else "")
    return f"{sign}{prefix}{text}{suffix}"
