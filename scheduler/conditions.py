"""Schedule conditions on a trigger date (pure: no framework), as Kestra evaluates them on
`{{ trigger.date }}` in the trigger's timezone.

Evaluated: DayWeek, Weekend, DayWeekInMonth, TimeBetween, DateTimeBetween, PublicHoliday (the
`holidays` package), Expression, and Not/Or over them. Expressions, a custom `date:` and
PublicHoliday's `country`/`subDivision` are rendered with Kestra's templating on `variables`:
`trigger` and `schedule` (both `{date, next, previous}`, as Kestra names them) and `flow`.
An expression that cannot be rendered makes its condition false. Any other condition type is
not a schedule condition and counts as holding.
"""

from __future__ import annotations

import functools
import locale
import logging
from datetime import date as Date
from datetime import datetime, time, timedelta
from typing import Any

logger = logging.getLogger(__name__)

DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
ORDINALS = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}
DEFAULT_DATE = "{{ trigger.date }}"


def _kind(condition: dict) -> str:
    """The condition's short name; legacy `<Name>Condition` aliases read as `<Name>`."""
    return str(condition.get("type", "")).rsplit(".", 1)[-1].removesuffix("Condition")


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


@functools.lru_cache(maxsize=1)
def _renderer():
    from executions.templating import Functions, Renderer

    return Renderer(Functions())


def _render(text: Any, variables: dict | None) -> str:
    if not isinstance(text, str):
        return "" if text is None else str(text)
    return _renderer().render(text, variables or {})


def _parse_date(text: str, tz) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _expression_true(rendered: str) -> bool:
    """Kestra's Expression: blank or `false` is false, anything else true."""
    return not (rendered.strip() == "" or rendered.strip() == "false")


def _default_country() -> str:
    language, _ = locale.getlocale()
    region = (language or "").partition("_")[2]
    return region or "US"  # Java's default locale is usually en_US


def public_holiday(day: Date, country: str | None, sub_division: str | None) -> bool:
    import holidays

    calendar = holidays.country_holidays(country or _default_country(), subdiv=sub_division or None)
    return day in calendar


def holds(condition: dict, at: datetime, variables: dict | None = None) -> bool:
    """Whether one condition holds for a trigger date (aware, in the trigger's timezone).

    `variables` is the render context (see the module docstring); without it, a custom `date:`
    or an Expression cannot be evaluated and counts as holding."""
    kind = _kind(condition)
    if kind in ("Expression", "Variable"):
        if variables is None:
            return True
        try:
            return _expression_true(_render(condition.get("expression"), variables))
        except Exception as error:
            logger.warning("schedule condition expression failed to render: %s", error)
            return False
    custom = condition.get("date", DEFAULT_DATE)
    if custom != DEFAULT_DATE:
        if variables is None:
            return True
        try:
            at = _parse_date(_render(custom, variables), at.tzinfo)
        except Exception as error:
            logger.warning("schedule condition date %r failed: %s", custom, error)
            return False
    if kind == "PublicHoliday":
        try:
            return public_holiday(
                at.date(),
                _render(condition.get("country"), variables) or None,
                _render(condition.get("subDivision"), variables) or None,
            )
        except (NotImplementedError, KeyError) as error:
            logger.warning("PublicHoliday: %s", error)
            return False
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
        return not any(holds(c, at, variables) for c in condition.get("conditions") or [])
    if kind == "Or":
        return any(holds(c, at, variables) for c in condition.get("conditions") or [])
    return True


def all_hold(conditions: list[dict] | None, at: datetime, variables: dict | None = None) -> bool:
    return all(holds(c, at, variables) for c in conditions or [])
