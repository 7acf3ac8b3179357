"""Schedule conditions on the trigger date, in the trigger's timezone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.conditions import all_hold, holds
from scheduler.services import due_dates, trigger_variables

C = "io.kestra.plugin.core.condition."
PARIS = ZoneInfo("Europe/Paris")
SAT = datetime(2026, 1, 3, 10, 0, tzinfo=PARIS)  # the first Saturday of January 2026
MON = datetime(2026, 1, 5, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("condition", "at", "expected"),
    [
        ({"type": C + "DayWeek", "dayOfWeek": "MONDAY"}, MON, True),
        ({"type": C + "DayWeek", "dayOfWeek": "MONDAY"}, SAT, False),
        ({"type": C + "Weekend"}, SAT, True),
        ({"type": C + "Weekend"}, MON, False),
        ({"type": C + "DayWeekInMonth", "dayOfWeek": "SATURDAY", "dayInMonth": "FIRST"}, SAT, True),
        ({"type": C + "DayWeekInMonth", "dayOfWeek": "SATURDAY", "dayInMonth": "LAST"}, SAT, False),
        (
            {"type": C + "TimeBetween", "after": "09:00:00+01:00", "before": "11:00:00+01:00"},
            MON,
            True,
        ),
        ({"type": C + "TimeBetween", "after": "09:30:00Z"}, MON, False),  # 10:00 Paris = 09:00Z
        ({"type": C + "DateTimeBetween", "before": "2026-01-04T00:00:00+01:00"}, SAT, True),
        ({"type": C + "DateTimeBetween", "after": "2026-01-04T00:00:00Z"}, SAT, False),
        ({"type": C + "Not", "conditions": [{"type": C + "Weekend"}]}, MON, True),
        ({"type": C + "Or", "conditions": [{"type": C + "Weekend"}]}, MON, False),
        ({"type": C + "PublicHoliday"}, MON, True),  # not evaluated: holds
    ],
)
def test_condition(condition, at, expected):
    assert holds(condition, at) is expected


def test_weekday_schedule_skips_the_weekend_and_shows_true_neighbours():
    spec = {
        "type": "io.kestra.plugin.core.trigger.Schedule",
        "cron": "0 10 * * *",
        "timezone": "Europe/Paris",
        "conditions": [{"type": C + "Not", "conditions": [{"type": C + "Weekend"}]}],
    }
    fri = datetime(2026, 1, 2, 9, tzinfo=UTC)
    due = due_dates(spec, fri, datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC))
    assert [d.day for d in due] == [2, 5]  # Friday, Monday
    variables = trigger_variables(spec, fri)
    assert variables["next"] == "2026-01-05T10:00:00+01:00"
    assert variables["previous"] == "2026-01-01T10:00:00+01:00"
    assert all_hold(None, MON)
