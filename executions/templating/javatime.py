"""Java DateTimeFormatter patterns (``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``): format and parse."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from executions.templating.errors import RenderError
from executions.templating.values import offset_id, zone_key

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_LETTERS = set("GuyYQqMLwWEecFdDaBhKkHmsSAnNVvzOXxZ")
_NUMERIC = set("uyYdDhKkHmsSAnNwWFe")


@dataclass(frozen=True, slots=True)
class Field:
    letter: str
    count: int


_Token = Field | str  # a field, a literal, or "[" / "]" for optional sections


@lru_cache(maxsize=256)
def tokenize(pattern: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if "A" <= char <= "Z" or "a" <= char <= "z":
            end = index
            while end < len(pattern) and pattern[end] == char:
                end += 1
            if char not in _LETTERS:
                raise RenderError(f"Unknown pattern letter: {char}")
            tokens.append(Field(char, end - index))
            index = end
        elif char == "'":
            end = pattern.find("'", index + 1)
            while end != -1 and pattern[end + 1 : end + 2] == "'":
                end = pattern.find("'", end + 2)
            if end == -1:
                raise RenderError(f"Pattern ends with an incomplete string literal: {pattern}")
            text = pattern[index + 1 : end].replace("''", "'")
            tokens.append("\0'" + (text or "'"))
            index = end + 1
        elif char in "#{}":
            raise RenderError(f"Pattern includes reserved character: '{char}'")
        else:
            tokens.append(char if char in "[]" else "\0'" + char)
            index += 1
    return tuple(tokens)


def _offset(value: datetime, colon: bool, zero: str, minutes: bool = True) -> str:
    text = offset_id(value.utcoffset())
    if text == "Z":
        return zero
    text = text if minutes or text[4:6] != "00" or len(text) > 6 else text[:3]
    return text if colon else text.replace(":", "")


def _gmt(value: datetime, long: bool) -> str:
    text = offset_id(value.utcoffset())
    if text == "Z":
        return "GMT"
    if long:
        return "GMT" + text
    hours, minutes = int(text[1:3]), text[4:6]
    return f"GMT{text[0]}{hours}" + (f":{minutes}" if minutes != "00" else "")


def _zone_name(value: datetime) -> str:
    return value.tzname() or offset_id(value.utcoffset())


def _text(names: list[str], index: int, count: int) -> str:
    name = names[index]
    return name[:3] if count <= 3 else name if count == 4 else name[0]


def _number(value: int, count: int) -> str:
    return str(value).zfill(count) if value >= 0 else "-" + str(-value).zfill(count)


def _format_field(value: datetime, letter: str, count: int) -> str:
    if letter in "yuY":
        year = value.isocalendar()[0] if letter == "Y" else value.year
        return f"{year % 100:02d}" if count == 2 else _number(year, count)
    if letter in "ML":
        return _text(MONTHS, value.month - 1, count) if count >= 3 else _number(value.month, count)
    if letter in "Eec":
        if letter != "E" and count <= 2:
            return _number(value.isoweekday() % 7 + 1, count)  # US weeks start on Sunday
        return _text(DAYS, value.weekday(), count)
    if letter in "Qq":
        quarter = (value.month - 1) // 3 + 1
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(quarter, "th")
        return {3: f"Q{quarter}", 4: f"{quarter}{suffix} quarter"}.get(
            count, _number(quarter, count)
        )
    if letter == "S":
        return f"{value.microsecond * 1000:09d}"[:count].ljust(count, "0")
    return _format_other(value, letter, count)


def _seconds_of_day(value: datetime) -> int:
    return (value.hour * 60 + value.minute) * 60 + value.second


_NUMBERS: dict[str, Callable[[datetime], int]] = {
    "d": lambda v: v.day, "D": lambda v: v.timetuple().tm_yday, "H": lambda v: v.hour,
    "m": lambda v: v.minute, "s": lambda v: v.second, "h": lambda v: (v.hour % 12) or 12,
    "K": lambda v: v.hour % 12, "k": lambda v: v.hour or 24, "n": lambda v: v.microsecond * 1000,
    "w": lambda v: v.isocalendar()[1], "F": lambda v: (v.day - 1) // 7 + 1,
    "W": lambda v: (v.day + date(v.year, v.month, 1).isoweekday() % 7 - 1) // 7 + 1,
    "A": lambda v: _seconds_of_day(v) * 1000 + v.microsecond // 1000,
    "N": lambda v: _seconds_of_day(v) * 10**9 + v.microsecond * 1000,
}  # fmt: skip


def _format_other(value: datetime, letter: str, count: int) -> str:
    number = _NUMBERS.get(letter)
    if number is not None:
        return _number(number(value), count)
    if letter == "a":
        return "AM" if value.hour < 12 else "PM"
    if letter == "G":
        return {4: "Anno Domini", 5: "A"}.get(count, "AD")
    if letter == "V":
        return zone_key(value.tzinfo) or offset_id(value.utcoffset())
    if letter in "zv":
        return zone_key(value.tzinfo) or _zone_name(value) if count == 4 else _zone_name(value)
    if letter == "O":
        return _gmt(value, count == 4)
    if letter in "Xx":
        zero = "Z" if letter == "X" else {1: "+00", 2: "+0000", 4: "+0000"}.get(count, "+00:00")
        return _offset(value, count in (3, 5), zero, minutes=count != 1)
    if letter == "Z":
        if count == 4:
            return _gmt(value, True)
        return _offset(value, True, "Z") if count == 5 else _offset(value, False, "+0000")
    raise RenderError(f"Unsupported pattern letter: {letter}")


def format_pattern(value: datetime, pattern: str) -> str:
    parts: list[str] = []
    for token in tokenize(pattern):
        if isinstance(token, Field):
            parts.append(_format_field(value, token.letter, token.count))
        elif token.startswith("\0'"):
            parts.append(token[2:])
    return "".join(parts)


_OFFSET_RE = r"Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|UTC"


def _field_regex(token: Field, following: _Token | None) -> str:
    letter, count = token.letter, token.count
    if (letter in "ML" and count >= 3) or (letter in "Eec" and count >= 3):
        names = MONTHS if letter in "ML" else DAYS
        return "(" + "|".join(name if count == 4 else name[:3] for name in names) + ")"
    if letter == "a":
        return "(AM|PM|am|pm)"
    if letter == "G":
        return "(AD|BC|Anno Domini|A|B)"
    if letter in "XxZO":
        return f"({_OFFSET_RE})"
    if letter in "Vvz":
        return r"([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*)"
    adjacent = isinstance(following, Field) and following.letter in _NUMERIC
    if letter == "S" or (count >= 2 and (adjacent or letter not in "yuY")):
        return rf"(\d{{{count}}})"
    return rf"(\d{{{count},}})" if count > 1 else r"(\d+)"


@lru_cache(maxsize=256)
def _parser(pattern: str) -> tuple[re.Pattern[str], tuple[Field, ...]]:
    tokens = tokenize(pattern)
    regex: list[str] = []
    fields: list[Field] = []
    for index, part in enumerate(tokens):
        if isinstance(part, Field):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            regex.append(_field_regex(part, following))
            fields.append(part)
        elif part in ("[", "]"):
            regex.append("(?:" if part == "[" else ")?")
        else:
            regex.append(re.escape(part[2:]))
    return re.compile("".join(regex), re.IGNORECASE), tuple(fields)


def parse_offset(text: str) -> Any:
    upper = text.upper()
    if upper in ("Z", "GMT", "UTC"):
        return UTC
    digits = upper.removeprefix("GMT").removeprefix("UTC")
    sign = -1 if digits[0] == "-" else 1
    parts = digits[1:].replace(":", "")
    hours = int(parts[:-2] if len(parts) in (3, 4) else parts[:2])
    minutes = int(parts[-2:]) if len(parts) in (3, 4) else int(parts[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_zone(text: str) -> Any:
    if re.fullmatch(_OFFSET_RE, text, re.IGNORECASE):
        return parse_offset(text)
    try:
        return ZoneInfo(text)
    except (ValueError, KeyError, OSError):
        raise RenderError(f"Unknown time-zone ID: {text}") from None


def parse_pattern(text: str, pattern: str) -> tuple[date | None, time | None, Any]:
    """Parse text with a Java pattern into (date, time, zone), each None when absent."""
    regex, fields = _parser(pattern)
    match = regex.fullmatch(text.strip())
    if match is None:
        raise RenderError(f"Text '{text}' could not be parsed with the pattern '{pattern}'")
    found: dict[str, Any] = {}
    for field, value in zip(fields, match.groups(), strict=True):
        if value is not None:
            found[field.letter] = _field_value(field, value)
    return _resolve(found, text)


def _field_value(field: Field, value: str) -> Any:
    letter = field.letter
    if letter in "ML" and field.count >= 3:
        return [name[: len(value)].lower() for name in MONTHS].index(value.lower()) + 1
    if letter in "aGEecVvzOXxZ":
        return value
    if letter in "yuY" and field.count == 2:
        return 2000 + int(value)
    if letter == "S":
        return int(value.ljust(6, "0")[:6])
    return int(value)


def _resolve(found: dict[str, Any], text: str) -> tuple[date | None, time | None, Any]:
    year = found.get("y", found.get("u", found.get("Y")))
    day_value: date | None = None
    if year is not None and ("M" in found or "L" in found):
        day_value = date(int(year), int(found.get("M", found.get("L", 1))), int(found.get("d", 1)))
    elif year is not None and "D" in found:
        day_value = date(year, 1, 1) + timedelta(days=found["D"] - 1)
    time_value: time | None = None
    hour = found.get("H", found.get("k"))
    if hour is None and ("h" in found or "K" in found):
        hour = found.get("h", found.get("K", 0)) % 12
        hour += 12 if str(found.get("a", "AM")).upper() == "PM" else 0
    if hour is not None:
        micros = found.get("S", found.get("n", 0) // 1000)
        time_value = time(hour % 24, found.get("m", 0), found.get("s", 0), micros)
    zone = None
    for letter in "VzvXxZO":
        if letter in found:
            zone = parse_zone(found[letter])
            break
    if day_value is None and time_value is None:
        raise RenderError(f"Text '{text}' could not be parsed: no date in it")
    return day_value, time_value, zone
