"""Dates, times, instants and durations read as strictly as java.time parses them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from flows.spec.durations import parse_duration

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
_INSTANT = re.compile(
    rf"({_DATE})T(\d{{2}}):(\d{{2}}):(\d{{2}})(?:[.,](\d{{1,9}}))?(Z|[+-]\d{{2}}(?::\d{{2}}){{0,2}})",
    re.IGNORECASE,
)


class TemporalParseError(ValueError):
    """The text is not in the ISO-8601 form java.time expects."""


def _unparseable(value: Any) -> TemporalParseError:
    return TemporalParseError(f"Text '{value}' could not be parsed")


def _micros(fraction: str | None) -> int:
    return int((fraction or "0")[:6].ljust(6, "0"))


def parse_date(value: Any) -> date:
    """LocalDate.parse: `2019-10-06`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(_DATE, value):
        raise _unparseable(value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _unparseable(value) from None


def parse_time(value: Any) -> time:
    """LocalTime.parse: `18:27`, `18:27:49` or `18:27:49.123`."""
    if isinstance(value, time):
        return value
    match = re.fullmatch(_TIME, value) if isinstance(value, str) else None
    if match is None:
        raise _unparseable(value)
    hours, minutes, seconds, fraction = match.groups()
    try:
        return time(int(hours), int(minutes), int(seconds or 0), _micros(fraction))
    except ValueError:
        raise _unparseable(value) from None


def parse_instant(value: Any) -> datetime:
    """Instant.parse: `2019-10-06T18:27:49Z` (an offset is converted to UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    match = _INSTANT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _unparseable(value)
    day, hours, minutes, seconds, fraction, offset = match.groups()
    try:
        moment = datetime.combine(
            date.fromisoformat(day),
            time(int(hours), int(minutes), int(seconds), _micros(fraction)),
            tzinfo=_offset(offset),
        )
    except ValueError:
        raise _unparseable(value) from None
    return moment.astimezone(UTC)


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    parts = [int(p) for p in text[1:].split(":")] + [0, 0]
    return timezone(sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2]))


def parse_java_duration(value: Any) -> timedelta:
    """Duration.parse: `PT5M6S`, `P1DT2H`, `PT0.5S`."""
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(value)
    except ValueError:
        raise TemporalParseError("Text cannot be parsed to a Duration") from None


def iso_time(value: time) -> str:
    """How Jackson stores a LocalTime (ISO_LOCAL_TIME): seconds always, fraction trimmed."""
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return text + ("." + f"{value.microsecond:06d}".rstrip("0") if value.microsecond else "")
