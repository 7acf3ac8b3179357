"""ScheduleOnDates: each listed date (rendered, in the trigger's timezone) fires once."""

from datetime import UTC, datetime

import pytest
from django_celery_beat.models import PeriodicTask

from executions.models import Execution
from flows import services
from scheduler.models import ScheduledRun, Trigger
from scheduler.services import trigger_fire
from scheduler.specs import listed_dates

pytestmark = pytest.mark.django_db

SOURCE = """id: dated
namespace: company.team
inputs:
  - id: n
    type: INT
    defaults: 1
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: dates
    type: io.kestra.plugin.core.trigger.ScheduleOnDates
    timezone: Europe/Paris
    inputs:
      n: 7
    dates:
      - 2026-01-01T10:00:00+01:00
      - "2026-01-01T10:05:00"
      - "{{ '2026-01-01T09:10:00Z' }}"
{extra}"""
KEY = {"namespace": "company.team", "flow_id": "dated", "trigger_id": "dates"}


def utc(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 1, 1, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def trigger():
    services.flow_create(source=SOURCE.replace("{extra}", ""))
    Trigger.objects.filter(**KEY).update(next_date=utc(9, 0))  # as if saved before the dates
    return Trigger.objects.get(**KEY)


def test_dates_render_and_read_in_the_trigger_timezone():
    spec = {
        "dates": ["2026-01-01T10:05:00", "{{ '2026-01-01T09:10:00Z' }}"],
        "timezone": "Asia/Tokyo",
    }
    assert listed_dates(spec) == [utc(1, 5), utc(9, 10)]
    one_expression = {"dates": "{{ ['2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'] }}"}
    assert [d.day for d in listed_dates(one_expression)] == [1, 2]


def test_sync_ticks_every_second_and_starts_at_the_first_future_date(trigger):
    task = PeriodicTask.objects.get(name="kestra: company.team.dated.dates")
    assert (task.interval.every, task.interval.period) == (1, "seconds")
    assert Trigger.objects.get(**KEY).type.endswith("ScheduleOnDates")


def test_each_date_fires_once_with_its_inputs_and_date(trigger):
    assert trigger_fire(**KEY, now=utc(8, 59, 59)) == []
    first = trigger_fire(**KEY, now=utc(9, 0, 1))
    assert [r.scheduled_date for r in first] == [utc(9, 0)]
    execution = Execution.objects.get(id=first[0].execution_id)
    assert execution.inputs == {"n": 7}
    assert execution.trigger["variables"] == {"date": "2026-01-01T10:00:00+01:00"}
    assert execution.trigger["type"] == "io.kestra.plugin.core.trigger.ScheduleOnDates"
    assert trigger_fire(**KEY, now=utc(9, 0, 2)) == []  # the same date: never again
    Execution.objects.filter(id=first[0].execution_id).update(state="SUCCESS")
    assert [r.scheduled_date for r in trigger_fire(**KEY, now=utc(9, 5, 1))] == [utc(9, 5)]
    # a beat that still saw the old next date: the unique claim refuses it
    Trigger.objects.filter(**KEY).update(next_date=utc(9, 0), execution_id="")
    assert [r.scheduled_date for r in trigger_fire(**KEY, now=utc(9, 5, 2))] == []
    assert ScheduledRun.objects.filter(**KEY).count() == 2
    assert Trigger.objects.get(**KEY).next_date == utc(9, 10)


def test_missed_dates_are_recovered_per_policy(trigger):
    runs = trigger_fire(**KEY, now=utc(10, 0))
    assert [r.scheduled_date for r in runs] == [utc(9, 0), utc(9, 5), utc(9, 10)]  # ALL
    assert Trigger.objects.get(**KEY).next_date is None  # no date left
    assert trigger_fire(**KEY, now=utc(11, 0)) == []


def test_last_policy_fires_only_the_last_missed_date():
    services.flow_create(source=SOURCE.replace("{extra}", "    recoverMissedSchedules: LAST\n"))
    Trigger.objects.filter(**KEY).update(next_date=utc(9, 0))
    assert [r.scheduled_date for r in trigger_fire(**KEY, now=utc(10, 0))] == [utc(9, 10)]


def test_locked_while_the_last_execution_runs(trigger):
    trigger_fire(**KEY, now=utc(9, 0, 1))
    assert trigger_fire(**KEY, now=utc(9, 5, 1)) == []
    assert Trigger.objects.get(**KEY).locked_since == utc(9, 5, 1)
