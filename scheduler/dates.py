"""Cron occurrences of a Schedule trigger, in its timezone (pure: no framework).

Occurrences are computed on local wall-clock time and then placed on the timeline, so a DST
change neither skips nor doubles a run: a wall time that does not exist (spring forward) is
shifted forward by the gap, and a wall time that happens twice (fall back) runs once, at its
first instant. Dates that land on the same instant are one run (callers key runs by instant).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from croniter import croniter

# Kestra/cron-utils macros, as 5-field crons.
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def normalize(cron: str, with_seconds: bool = False) -> tuple[str, bool]:
    """The expression croniter reads, and whether its first field is seconds."""
    expression = cron.strip()
    if expression.startswith("@"):
        return MACROS.get(expression.lower(), expression), False
    return expression, with_seconds


def zone(timezone: str | None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(timezone or "UTC")


def _place(wall: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """A naive local wall time on the timeline (UTC): gaps shift forward, folds take the first."""
    # fold=0 reads a wall time with the offset in force before a transition: in a gap, that is
    # the wall time shifted forward by the gap; in a fold, the first of the two instants.
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _iter(cron: str, with_seconds: bool, start_wall: datetime, forward: bool):
    expression, seconds = normalize(cron, with_seconds)
    it = croniter(expression, start_wall, second_at_beginning=seconds)
    while True:
        yield it.get_next(datetime) if forward else it.get_prev(datetime)


def _wall(at: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    return at.astimezone(tz).replace(tzinfo=None)


def previous_or_equal(
    cron: str, at: datetime, *, with_seconds: bool = False, timezone: str | None = None
) -> datetime:
    """The occurrence at or just before `at` (seconds precision), in UTC."""
    tz = zone(timezone)
    start = _wall(at, tz).replace(microsecond=0) + timedelta(seconds=1)
    for wall in _iter(cron, with_seconds, start, forward=False):
        placed = _place(wall, tz)
        if placed <= at:
            return placed
    raise AssertionError("unreachable")


def next_after(
    cron: str, at: datetime, *, with_seconds: bool = False, timezone: str | None = None
) -> datetime:
    """The first occurrence strictly after `at`, in UTC."""
    tz = zone(timezone)
    start = _wall(at, tz).replace(microsecond=0)
    for wall in _iter(cron, with_seconds, start, forward=True):
        placed = _place(wall, tz)
        if placed > at:
            return placed
    raise AssertionError("unreachable")


def previous_before(
    cron: str, at: datetime, *, with_seconds: bool = False, timezone: str | None = None
) -> datetime:
    """The last occurrence strictly before `at`, in UTC."""
    tz = zone(timezone)
    start = _wall(at, tz).replace(microsecond=0)
    if start.replace(tzinfo=tz) < at.astimezone(tz):
        start += timedelta(seconds=1)
    for wall in _iter(cron, with_seconds, start, forward=False):
        placed = _place(wall, tz)
        if placed < at:
            return placed
    raise AssertionError("unreachable")


def between(
    cron: str,
    start: datetime,
    end: datetime,
    *,
    with_seconds: bool = False,
    timezone: str | None = None,
    limit: int = 1000,
) -> Iterator[datetime]:
    """Distinct occurrences in [start, end], oldest first, at most `limit`."""
    seen: set[datetime] = set()
    at = start - timedelta(microseconds=1)
    while len(seen) < limit:
        at = next_after(cron, at, with_seconds=with_seconds, timezone=timezone)
        if at > end:
            return
        if at not in seen:
            seen.add(at)
            yield at
