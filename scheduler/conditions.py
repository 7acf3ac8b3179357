"""Schedule conditions on a trigger date (pure: no framework), as Kestra evaluates them on
`{{ trigger.date }}` in the trigger's timezone.

Evaluated: DayWeek, Weekend, DayWeekInMonth, TimeBetween, DateTimeBetween, and Not/Or over
them. Other conditions (PublicHoliday, Expression, a custom `date:`) are not evaluated here and
count as holding.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, time, timedelta

DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
ORDINALS = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}
DEFAULT_DATE = "{{ trigger.date }}"


def _kind(condition: dict) -> str:
    return str(condition.get("type", "")).rsplit(".", 1)[-1]


def _nth_in_month(day: Date, weekday: int, which: str) -> bool:
    if day.weekday() != weekday:
        return False
    if which == "LAST":
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 == ORDINALS[which]


def _time_offset_seconds(value: str, fallback: timedelta) -> float:
    """An OffsetTime as Java orders them: time of day minus its offset (no wrap-around)."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    sign = max(text.rfind("+"), text.rfind("-"))
    if sign > 0:
        clock, offset_text = text[:sign], text[sign:]
        hours, _, minutes = offset_text[1:].partition(":")
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
        offset = -offset if offset_text[0] == "-" else offset
    else:
        clock, offset = text, fallback
    parsed = time.fromisoformat(clock)
    seconds = parsed.hour * 3600 + parsed.minute * 60 + parsed.second + parsed.microsecond / 1e6
    return seconds - offset.total_seconds()


def _between(value, after, before) -> bool:
    if after is not None and before is not None:
        return after < value < before
    if before is not None:
        return value < before
    if after is not None:
        return value > after
    return False  # Kestra: an invalid condition with neither bound


def holds(condition: dict, at: datetime) -> bool:
    """Whether one condition holds for a trigger date (aware, in the trigger's timezone)."""
    kind = _kind(condition)
    if condition.get("date", DEFAULT_DATE) != DEFAULT_DATE:
        return True
    if kind == "DayWeek":
        return at.weekday() == DAYS.index(condition["dayOfWeek"])
    if kind == "Weekend":
        return at.weekday() >= 5
    if kind == "DayWeekInMonth":
        return _nth_in_month(at.date(), DAYS.index(condition["dayOfWeek"]), condition["dayInMonth"])
    if kind == "TimeBetween":
        offset = at.utcoffset() or timedelta(0)
        current = _time_offset_seconds(at.timetz().isoformat(), offset)
        after, before = condition.get("after"), condition.get("before")
        return _between(
            current,
            _time_offset_seconds(after, offset) if after else None,
            _time_offset_seconds(before, offset) if before else None,
        )
    if kind == "DateTimeBetween":

        def parse(text: str | None) -> datetime | None:
            if not text:
                return None
            value = datetime.fromisoformat(text)
            return value if value.tzinfo else value.replace(tzinfo=at.tzinfo)

        return _between(at, parse(condition.get("after")), parse(condition.get("before")))
    if kind == "Not":
        return not any(holds(c, at) for c in condition.get("conditions") or [])
    if kind == "Or":
        return any(holds(c, at) for c in condition.get("conditions") or [])
    return True


def all_hold(conditions: list[dict] | None, at: datetime) -> bool:
    return all(holds(c, at) for c in conditions or [])
