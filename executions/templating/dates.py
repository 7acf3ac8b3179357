"""Kestra's date rules (AbstractDate): what counts as a date, named formats, arithmetic."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

from executions.templating.errors import RenderError
from executions.templating.javatime import DAYS, MONTHS, format_pattern, parse_pattern, parse_zone
from executions.templating.values import class_name, fraction, offset_id, zone_key

PATTERNS = {
    "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "sql_seq": "yyyy-MM-dd HH:mm:ss",
}
_ISO_RE = re.compile(
    r"(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:\d{2}(?::\d{2})?)?(?:\[([^\]]+)\])?)?"
)


def _local_date(value: datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _local_time(value: datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}" + fraction(
        value.microsecond, False
    )


def _offset(value: datetime) -> str:
    return offset_id(value.utcoffset())


def _region(value: datetime) -> str:
    key = zone_key(value.tzinfo)
    return f"[{key}]" if key else ""


def _instant(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f"{_local_date(value)}T{value:%H:%M:%S}{fraction(value.microsecond, True)}Z"


def _rfc_1123(value: datetime) -> str:
    offset = _offset(value)
    offset = "GMT" if offset == "Z" else offset.replace(":", "")
    month = MONTHS[value.month - 1][:3]
    return (
        f"{DAYS[value.weekday()][:3]}, {value.day} {month} {value.year} {value:%H:%M:%S} {offset}"
    )


def _styled(value: datetime, style: str) -> str:
    """Java's localized styles for Locale.US (JDK 21 puts a narrow space before AM/PM)."""
    clock = f"{(value.hour % 12) or 12}:{value.minute:02d}"
    meridiem = "\u202f" + ("AM" if value.hour < 12 else "PM")
    if style == "short":
        return f"{value.month}/{value.day}/{value.year % 100:02d}, {clock}{meridiem}"
    clock += f":{value.second:02d}{meridiem}"
    month = MONTHS[value.month - 1]
    if style == "medium":
        return f"{month[:3]} {value.day}, {value.year}, {clock}"
    text = f"{month} {value.day}, {value.year} at {clock} {value.tzname() or _offset(value)}"
    return f"{DAYS[value.weekday()]}, {text}" if style == "full" else text


_FORMATTERS: dict[str, Callable[[datetime], str]] = {
    "iso_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}{_offset(v)}{_region(v)}",
    "iso_zoned_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}{_offset(v)}{_region(v)}",
    "iso_date": lambda v: _local_date(v) + _offset(v),
    "iso_time": lambda v: _local_time(v) + _offset(v),
    "iso_local_date": _local_date,
    "iso_local_date_time": lambda v: f"{_local_date(v)}T{_local_time(v)}",
    "iso_local_time": _local_time,
    "iso_offset_time": lambda v: _local_time(v) + _offset(v),
    "iso_ordinal_date": lambda v: f"{v.year:04d}-{v.timetuple().tm_yday:03d}{_offset(v)}",
    "iso_week_date": lambda v: "{:04d}-W{:02d}-{}".format(*v.isocalendar()) + _offset(v),
    "iso_instant": _instant,
    "rfc_1123_date_time": _rfc_1123,
}
for _style in ("full", "long", "medium", "short"):
    _FORMATTERS[_style] = lambda v, s=_style: _styled(v, s)  # type: ignore[misc]


def zone_of(name: str | None, default: tzinfo) -> tzinfo:
    return default if name is None else parse_zone(name)  # type: ignore[no-any-return,unused-ignore]


def _parse_iso(text: str, zone: tzinfo) -> datetime:
    match = _ISO_RE.fullmatch(text.strip())
    if match is None:
        raise RenderError(f"Text '{text}' could not be parsed as an ISO date or date-time")
    year, month, day, hour, minute, second, digits, offset, region = match.groups()
    day_value = date(int(year), int(month), int(day))
    if hour is None:
        return datetime.combine(day_value, time(0), zone)
    micros = int((digits or "0").ljust(6, "0")[:6])
    clock = time(int(hour), int(minute), int(second or 0), micros)
    tz: tzinfo = zone
    if region:
        tz = parse_zone(region)
    elif offset:
        tz = parse_zone(offset)
    return datetime.combine(day_value, clock, tz)


def _parse_with(text: str, existing: str, zone: tzinfo) -> datetime:
    if existing == "rfc_1123_date_time":
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise RenderError(f"Text '{text}' could not be parsed as RFC 1123") from None
    if existing in _FORMATTERS:
        return _parse_iso(text, zone)
    day_value, clock, tz = parse_pattern(text, PATTERNS.get(existing, existing))
    if day_value is None:
        raise RenderError(f"Text '{text}' could not be parsed: it has no date")
    return datetime.combine(day_value, clock or time(0), tz or zone)


def to_datetime(value: Any, zone: tzinfo, existing: str | None = None) -> datetime:
    """AbstractDate.convert: dates, epoch seconds or text (ISO, or existingFormat)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(12), zone)
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).astimezone(zone)
    if isinstance(value, str):
        return _parse_with(value, existing, zone) if existing else _parse_iso(value, zone)
    raise RenderError(f"Unable to convert a {class_name(value)} to a date")


def format_date(
    value: Any,
    pattern: str | None,
    zone_name: str | None,
    existing: str | None,
    default_zone: tzinfo,
) -> str:
    zone = zone_of(zone_name, default_zone)
    moment = to_datetime(value, zone, existing).astimezone(zone)
    pattern = pattern or "iso"
    formatter = _FORMATTERS.get(pattern)
    if formatter is not None:
        return formatter(moment)
    return format_pattern(moment, PATTERNS.get(pattern, pattern))


_TIME_UNITS = {
    "NANOS": timedelta(microseconds=0.001), "MICROS": timedelta(microseconds=1),
    "MILLIS": timedelta(milliseconds=1), "SECONDS": timedelta(seconds=1),
    "MINUTES": timedelta(minutes=1), "HOURS": timedelta(hours=1), "HALF_DAYS": timedelta(hours=12),
}  # fmt: skip
_DATE_UNITS = {"DAYS": 1, "WEEKS": 7}
_MONTH_UNITS = {"MONTHS": 1, "YEARS": 12, "DECADES": 120, "CENTURIES": 1200, "MILLENNIA": 12000}


def add(moment: datetime, amount: int, unit: str) -> datetime:
    """ZonedDateTime.plus: time units on the instant, date units on the local date."""
    if unit in _TIME_UNITS:
        shifted = moment.astimezone(UTC) + _TIME_UNITS[unit] * amount
        return shifted.astimezone(moment.tzinfo)
    if unit in _DATE_UNITS:
        return moment + timedelta(days=_DATE_UNITS[unit] * amount)
    if unit in _MONTH_UNITS:
        months = moment.year * 12 + moment.month - 1 + _MONTH_UNITS[unit] * amount
        year, month = divmod(months, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)
    raise RenderError(f"Unsupported unit for dateAdd: {unit}")


def epoch_parts(
    value: Any, zone_name: str | None, existing: str | None, zone: tzinfo
) -> tuple[int, int]:
    """(epoch seconds, nanoseconds in the second) of a value, for the timestamp filters."""
    moment = to_datetime(value, zone_of(zone_name, zone), existing)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    seconds = delta.days * 86400 + delta.seconds
    return seconds, delta.microseconds * 1000
