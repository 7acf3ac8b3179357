"""Date filters: date, dateAdd and the epoch timestamps (seconds to nanoseconds)."""

from __future__ import annotations

from typing import Any

from executions.templating import dates
from executions.templating.errors import RenderError
from executions.templating.registry import register_filter
from executions.templating.state import State


@register_filter("date", state=True)
def date(
    state: State,
    value: Any,
    format: str | None = None,
    timeZone: str | None = None,
    existingFormat: str | None = None,
    locale: str | None = None,
) -> Any:
    if value is None:
        return None
    return dates.format_date(value, format, timeZone, existingFormat, state.timezone)


@register_filter("dateAdd", state=True)
def date_add(
    state: State,
    value: Any,
    amount: Any = None,
    unit: str | None = None,
    format: str | None = None,
    timeZone: str | None = None,
    existingFormat: str | None = None,
    locale: str | None = None,
) -> Any:
    if value is None:
        return None
    if amount is None or unit is None:
        raise RenderError("The 'dateAdd' filter expects the arguments 'amount' and 'unit'.")
    zone = dates.zone_of(timeZone, state.timezone)
    moment = dates.add(dates.to_datetime(value, zone, existingFormat), int(amount), unit)
    return dates.format_date(moment, format, timeZone, None, state.timezone)


def _epoch(scale: int, as_text: bool) -> Any:
    def apply(
        state: State,
        value: Any,
        timeZone: str | None = None,
        existingFormat: str | None = None,
    ) -> Any:
        if value is None:
            return None
        seconds, nanos = dates.epoch_parts(value, timeZone, existingFormat, state.timezone)
        result = seconds * scale + nanos * scale // 1_000_000_000
        return str(result) if as_text else result

    return apply


register_filter("timestamp", state=True)(_epoch(1, False))
register_filter("timestampMilli", state=True)(_epoch(1_000, False))
register_filter("timestampMicro", state=True)(_epoch(1_000_000, True))
register_filter("timestampNano", state=True)(_epoch(1_000_000_000, True))
