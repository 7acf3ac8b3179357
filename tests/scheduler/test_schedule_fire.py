"""`scheduler.fire`: one execution per scheduled date, Kestra's trigger variables and lock."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from executions.models import Execution
from flows import services
from scheduler import tasks
from scheduler.models import ScheduledRun, Trigger
from scheduler.services import trigger_fire

pytestmark = pytest.mark.django_db

SOURCE = """id: ticking
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
  - id: minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    timezone: Europe/Paris
    inputs:
      n: "5"
"""
KEY = {"namespace": "company.team", "flow_id": "ticking", "trigger_id": "minute"}


@pytest.fixture
def trigger():
    services.flow_create(source=SOURCE)
    row = Trigger.objects.get(**KEY)
    row.next_date = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    row.save()
    return row


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 1, 1, 9, minute, second, tzinfo=UTC)


def test_fire_creates_an_execution_with_trigger_variables_and_typed_inputs(trigger):
    runs = trigger_fire(**KEY, now=at(0, 1))
    assert len(runs) == 1
    execution = Execution.objects.get(id=runs[0].execution_id)
    assert execution.inputs == {"n": 5}
    assert execution.trigger == {
        "id": "minute",
        "type": "io.kestra.plugin.core.trigger.Schedule",
        "variables": {
            "date": "2026-01-01T10:00:00+01:00",
            "next": "2026-01-01T10:01:00+01:00",
            "previous": "2026-01-01T09:59:00+01:00",
        },
    }
    row = Trigger.objects.get(**KEY)
    assert row.last_date == at(0)
    assert row.next_date == at(1)


def test_two_beats_on_the_same_tick_create_one_execution(trigger):
    assert len(trigger_fire(**KEY, now=at(0, 1))) == 1
    assert trigger_fire(**KEY, now=at(0, 2)) == []  # second beat: the trigger moved on
    # a beat that still saw the old next date: the unique ScheduledRun refuses the date
    Trigger.objects.filter(**KEY).update(next_date=at(0), execution_id="")
    assert trigger_fire(**KEY, now=at(0, 3)) == []
    assert Execution.objects.filter(flow_id="ticking").count() == 1
    assert ScheduledRun.objects.filter(**KEY).count() == 1


def test_the_celery_task_twice_creates_one_execution(trigger):
    now = datetime.now(UTC).replace(microsecond=0)
    if now.second >= 58:  # keep both calls inside one minute
        time.sleep(3)
        now = datetime.now(UTC).replace(microsecond=0)
    Trigger.objects.filter(**KEY).update(next_date=now - timedelta(seconds=now.second))
    kwargs = {"namespace": "company.team", "flow_id": "ticking", "trigger_id": "minute"}
    first = tasks.fire(**kwargs)  # the task body, as a worker runs it
    second = tasks.fire(**kwargs)
    assert (first, second) == (1, 0)
    assert Execution.objects.filter(flow_id="ticking").count() == 1


def test_not_due_yet_does_nothing(trigger):
    assert trigger_fire(**KEY, now=at(0) - timedelta(seconds=1)) == []
    assert not Execution.objects.exists()


def test_running_execution_locks_the_trigger_and_missed_dates_are_recovered(trigger):
    first = trigger_fire(**KEY, now=at(0, 1))[0]
    assert trigger_fire(**KEY, now=at(1, 1)) == []  # still CREATED: locked
    assert trigger_fire(**KEY, now=at(2, 1)) == []
    assert Trigger.objects.get(**KEY).locked_since == at(1, 1)
    Execution.objects.filter(id=first.execution_id).update(state="SUCCESS")
    recovered = trigger_fire(**KEY, now=at(3, 1))
    assert [r.scheduled_date for r in recovered] == [at(1), at(2), at(3)]  # ALL by default
    assert Trigger.objects.get(**KEY).locked_since is None


def test_disabled_or_deleted_flow_does_not_fire(trigger):
    services.flow_set_disabled(namespace="company.team", flow_id="ticking", disabled=True)
    assert trigger_fire(**KEY, now=at(0, 1)) == []
    services.flow_delete(namespace="company.team", flow_id="ticking")
    assert trigger_fire(**KEY, now=at(0, 1)) == []
    assert not Execution.objects.exists()


NIGHTLY = """id: nightly
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: half-past-two
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "30 2 * * *"
    timezone: Europe/Paris
"""


@pytest.mark.parametrize(
    ("night", "expected"),
    [
        # spring forward: 02:30 does not exist that night; it runs once, after the gap
        (datetime(2026, 3, 28, 22, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # fall back: 02:30 happens twice; it runs once, at the first one (CEST)
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_a_paris_dst_night_ticked_every_minute_runs_once(night, expected):
    key = {"namespace": "company.team", "flow_id": "nightly", "trigger_id": "half-past-two"}
    services.flow_create(source=NIGHTLY)
    Trigger.objects.filter(**key).update(next_date=night + timedelta(hours=1))
    fired = []
    for minute in range(6 * 60):  # a beat ticking each minute, 22:00Z to 04:00Z
        runs = trigger_fire(**key, now=night + timedelta(minutes=minute, seconds=1))
        fired += runs
        Execution.objects.filter(id__in=[r.execution_id for r in runs]).update(state="SUCCESS")
    assert [r.scheduled_date for r in fired] == [expected]
    execution = Execution.objects.get(id=fired[0].execution_id)
    assert execution.trigger["variables"]["date"].startswith(
        expected.astimezone(ZoneInfo("Europe/Paris")).isoformat()[:16]
    )
