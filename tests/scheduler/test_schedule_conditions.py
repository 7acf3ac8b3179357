"""Schedule conditions on the trigger date, in the trigger's timezone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.conditions import all_hold, holds
from scheduler.specs import due_dates, trigger_variables

C = "io.kestra.plugin.core.condition."
PARIS = ZoneInfo("Europe/Paris")
SAT = datetime(2026, 1, 3, 10, 0, tzinfo=PARIS)  # the first Saturday of January 2026
MON = datetime(2026, 1, 5, 10, 0, tzinfo=PARIS)
BASTILLE = datetime(2026, 7, 14, 10, 0, tzinfo=PARIS)
STEPHEN = datetime(2026, 12, 26, 10, 0, tzinfo=PARIS)


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
        ({"type": C + "PublicHoliday", "country": "FR"}, MON, False),
        ({"type": C + "PublicHoliday", "country": "FR"}, BASTILLE, True),
        ({"type": C + "PublicHoliday", "country": "US"}, BASTILLE, False),
        # Alsace-Moselle (FR subdivision 6AE) keeps Saint Stephen's day
        ({"type": C + "PublicHoliday", "country": "FR", "subDivision": "6AE"}, STEPHEN, True),
        ({"type": C + "PublicHoliday", "country": "FR"}, STEPHEN, False),
        ({"type": C + "PublicHoliday", "country": "XX"}, MON, False),  # unknown country
        ({"type": "io.kestra.core.models.conditions.types.WeekendCondition"}, SAT, True),
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


def _vars(at: datetime) -> dict:
    text = at.isoformat()
    return {"trigger": {"date": text}, "schedule": {"date": text}, "flow": {"id": "f"}}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{{ trigger.date | date('EEEE') == 'Monday' }}", True),
        ("{{ schedule.date | date('EEEE') == 'Saturday' }}", False),
        ("{{ flow.id }}", True),  # any non-blank text but `false` holds, as in Kestra
        ("  ", False),
        ("false", False),
        ("{{ unknown is defined }}", False),
        ("{{ 1 / }}", False),  # cannot render: the condition fails
    ],
)
def test_expression_condition_renders_on_the_trigger_date(expression, expected):
    condition = {"type": C + "Expression", "expression": expression}
    assert holds(condition, MON, _vars(MON)) is expected


def test_custom_date_is_rendered_then_tested():
    weekend_of_next = {"type": C + "Weekend", "date": "{{ trigger.next }}"}
    variables = {"trigger": {"date": MON.isoformat(), "next": SAT.isoformat()}}
    assert holds(weekend_of_next, MON, variables) is True
    assert holds({**weekend_of_next, "date": "{{ trigger.date }}"}, MON, variables) is False
    assert holds({**weekend_of_next, "date": "not a date"}, MON, variables) is False


def test_expression_schedule_skips_dates_and_sees_next_and_previous():
    spec = {
        "type": "io.kestra.plugin.core.trigger.Schedule",
        "cron": "0 10 * * *",
        "timezone": "Europe/Paris",
        "conditions": [
            {
                "type": C + "Expression",
                "expression": "{{ trigger.date | date('d') | number % 2 == 0 }}",
            }
        ],
    }
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    due = due_dates(spec, start, datetime(2026, 1, 6, 9, 0, 1, tzinfo=UTC))
    assert [d.day for d in due] == [2, 4, 6]  # even days of the month only
    assert trigger_variables(spec, due[0])["next"] == "2026-01-04T10:00:00+01:00"


def test_public_holiday_schedule_skips_holidays():
    spec = {
        "type": "io.kestra.plugin.core.trigger.Schedule",
        "cron": "0 10 * * *",
        "timezone": "Europe/Paris",
        "conditions": [
            {"type": C + "Not", "conditions": [{"type": C + "PublicHoliday", "country": "FR"}]}
        ],
    }
    due = due_dates(
        spec, datetime(2026, 7, 13, 8, tzinfo=UTC), datetime(2026, 7, 15, 9, tzinfo=UTC)
    )
    assert [d.day for d in due] == [13, 15]  # not the 14th of July
