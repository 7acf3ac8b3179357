"""Cron occurrences in a timezone, across DST changes, and the crontab translation."""

from datetime import UTC, datetime, timedelta

import pytest

from scheduler import dates
from scheduler.services import crontab_fields, due_dates

PARIS = "Europe/Paris"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_previous_or_equal_includes_now_and_uses_the_timezone():
    at = utc(2026, 1, 1, 10, 0, 7, 500)
    assert dates.previous_or_equal("*/5 * * * * *", at, with_seconds=True) == utc(
        2026, 1, 1, 10, 0, 5
    )
    assert dates.previous_or_equal("0 10 * * *", utc(2026, 1, 1, 10)) == utc(2026, 1, 1, 10)
    # midnight in Paris is 23:00 UTC in winter
    assert dates.previous_or_equal("@daily", at, timezone=PARIS) == utc(2025, 12, 31, 23)
    assert dates.next_after("@daily", at, timezone=PARIS) == utc(2026, 1, 1, 23)
    assert dates.previous_before("@daily", utc(2025, 12, 31, 23), timezone=PARIS) == utc(
        2025, 12, 30, 23
    )


def test_spring_forward_in_paris_neither_skips_nor_doubles():
    # 2026-03-29: 02:00 -> 03:00 in Paris; 02:30 does not exist and runs at 03:30 CEST
    runs = list(dates.between("30 2 * * *", utc(2026, 3, 27), utc(2026, 3, 31), timezone=PARIS))
    assert runs == [
        utc(2026, 3, 27, 1, 30),
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),  # 03:30 CEST
        utc(2026, 3, 30, 0, 30),
    ]


def test_fall_back_in_paris_runs_a_repeated_wall_time_once():
    # 2026-10-25: 03:00 -> 02:00 in Paris; 02:30 happens twice and runs once, the first time
    runs = list(dates.between("30 2 * * *", utc(2026, 10, 23), utc(2026, 10, 27), timezone=PARIS))
    assert runs == [
        utc(2026, 10, 23, 0, 30),
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]
    # a tick during the second 02:30 finds the run already due at the first one
    assert dates.previous_or_equal("30 2 * * *", utc(2026, 10, 25, 1, 30), timezone=PARIS) == utc(
        2026, 10, 25, 0, 30
    )


def test_hourly_across_spring_forward_has_distinct_instants():
    runs = list(
        dates.between("0 * * * *", utc(2026, 3, 28, 23), utc(2026, 3, 29, 3), timezone=PARIS)
    )
    assert runs == [utc(2026, 3, 28, 23) + timedelta(hours=h) for h in range(5)]


@pytest.mark.parametrize(
    ("cron", "with_seconds", "expected"),
    [
        ("*/15 9-17 * * 1-5", False, ("*/15", "9-17", "*", "*", "1-5")),
        ("@daily", False, ("0", "0", "*", "*", "*")),
        ("0 30 2 * * *", True, ("30", "2", "*", "*", "*")),
        ("*/5 * * * * *", True, None),  # sub-minute: a 1-second interval tick
        ("0 0 1 * MON", False, None),  # day-of-month OR day-of-week
        ("0 0 * * 7", False, None),
        ("0 0 L * *", False, None),
    ],
)
def test_crontab_translation(cron, with_seconds, expected):
    assert crontab_fields(cron, with_seconds) == expected


def test_due_dates_follow_recover_missed_schedules_and_late_maximum_delay():
    spec = {"cron": "0 * * * *"}
    now = utc(2026, 1, 1, 5, 0, 1)
    start = utc(2026, 1, 1, 2)
    assert due_dates(spec, start, now) == [utc(2026, 1, 1, h) for h in (2, 3, 4, 5)]
    assert due_dates({**spec, "recoverMissedSchedules": "LAST"}, start, now) == [utc(2026, 1, 1, 5)]
    assert due_dates({**spec, "recoverMissedSchedules": "NONE"}, start, now) == [utc(2026, 1, 1, 5)]
    late = now + timedelta(minutes=10)
    assert due_dates({**spec, "recoverMissedSchedules": "NONE"}, start, late) == []
    assert due_dates({**spec, "lateMaximumDelay": "PT90M"}, start, now) == [
        utc(2026, 1, 1, 4),
        utc(2026, 1, 1, 5),
    ]
    assert due_dates(spec, utc(2026, 1, 1, 6), now) == []
