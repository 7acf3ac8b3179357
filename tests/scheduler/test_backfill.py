"""Backfills (Kestra's trigger-context backfill): each date once, in order, one execution at a
time; pause, unpause, delete; dates a normal tick already fired are skipped."""

from datetime import UTC, datetime

import pytest
from django_celery_beat.models import PeriodicTask

from executions.models import Execution
from flows import services
from kestra_site.errors import InvalidInput
from scheduler import backfills
from scheduler.models import ScheduledRun, Trigger
from scheduler.services import trigger_fire

pytestmark = pytest.mark.django_db

SOURCE = """id: daily
namespace: company.team
inputs:
  - id: n
    type: INT
    defaults: 1
  - id: who
    type: STRING
    defaults: nobody
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: ten
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 10 * * *"
    timezone: Europe/Paris
    labels:
      from: schedule
    inputs:
      n: 2
"""
KEY = {"namespace": "company.team", "flow_id": "daily", "trigger_id": "ten"}
TASK = "kestra: company.team.daily.ten (backfill)"


def day(d: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 1, d, hour, minute, tzinfo=UTC)  # 09:00Z = 10:00 in Paris


NOW = day(20)


@pytest.fixture
def trigger():
    services.flow_create(source=SOURCE)
    Trigger.objects.filter(**KEY).update(next_date=day(21))
    return Trigger.objects.get(**KEY)


def start(**extra) -> Trigger:
    body = {
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-03T23:00:00Z",
        "inputs": {"who": "backfill"},
        "labels": [{"key": "run", "value": "bf"}],
        **extra,
    }
    row = Trigger.objects.select_for_update().get(**KEY)
    return backfills.backfill_set(row, body, now=NOW)


def tick() -> list:
    return backfills.backfill_fire(**KEY, now=NOW)


def finish(run) -> None:
    Execution.objects.filter(id=run.execution_id).update(state="SUCCESS")


def test_each_date_once_in_order_then_the_schedule_resumes(trigger):
    row = start()
    assert row.backfill["currentDate"] == "2026-01-01T00:00:00Z"
    assert row.backfill["previousNextExecutionDate"] == "2026-01-21T09:00:00Z"
    assert PeriodicTask.objects.get(name=TASK).enabled
    assert trigger_fire(**KEY, now=day(21, 9, 1)) == []  # normal ticks wait meanwhile
    fired = []
    for _ in range(3):
        runs = tick()
        assert len(runs) == 1
        assert tick() == []  # locked: its execution still runs
        fired.append(runs[0])
        finish(runs[0])
    assert [r.scheduled_date for r in fired] == [day(1), day(2), day(3)]
    execution = Execution.objects.get(id=fired[0].execution_id)
    assert execution.inputs == {"n": 2, "who": "backfill"}  # the trigger's, then the backfill's
    labels = {label["key"]: label["value"] for label in execution.labels}
    assert labels["from"] == "schedule" and labels["run"] == "bf"
    assert execution.trigger["variables"] == {
        "date": "2026-01-01T10:00:00+01:00",
        "next": "2026-01-02T10:00:00+01:00",
        "previous": "2025-12-31T10:00:00+01:00",
    }
    assert tick() == []  # past the end: the backfill ends
    row = Trigger.objects.get(**KEY)
    assert row.backfill is None and row.next_date == day(21)
    assert not PeriodicTask.objects.filter(name=TASK).exists()
    assert len(trigger_fire(**KEY, now=day(21, 9, 1))) == 1  # the schedule goes on


def test_dates_a_normal_tick_already_fired_are_not_fired_again(trigger):
    Trigger.objects.filter(**KEY).update(next_date=day(2))
    normal = trigger_fire(**KEY, now=day(2, 9, 0))
    assert [r.scheduled_date for r in normal] == [day(2)]
    finish(normal[0])
    start()
    first = tick()
    assert [r.scheduled_date for r in first] == [day(1)]
    finish(first[0])
    assert [r.scheduled_date for r in tick()] == [day(3)]  # the 2nd is skipped, not doubled
    assert ScheduledRun.objects.filter(**KEY, scheduled_date=day(2)).count() == 1
    assert Execution.objects.filter(flow_id="daily").count() == 3


def test_pause_unpause_and_delete(trigger):
    start()
    finish(tick()[0])
    paused = backfills.backfill_pause(*KEY.values(), paused=True)
    assert paused.backfill["paused"] is True
    assert not PeriodicTask.objects.get(name=TASK).enabled
    assert tick() == []
    assert trigger_fire(**KEY, now=day(21, 9, 1)) == []  # a paused backfill still holds
    backfills.backfill_pause(*KEY.values(), paused=False)
    assert PeriodicTask.objects.get(name=TASK).enabled
    assert [r.scheduled_date for r in tick()] == [day(2)]
    deleted = backfills.backfill_delete(*KEY.values())
    assert deleted.backfill is None and deleted.next_date == day(21)
    assert not PeriodicTask.objects.filter(name=TASK).exists()
    with pytest.raises(InvalidInput) as error:
        backfills.backfill_delete(*KEY.values())
    assert error.value.path == "backfill"


def test_a_disabled_trigger_does_not_backfill_and_a_flow_save_keeps_the_backfill(trigger):
    start()
    services.flow_set_disabled(namespace="company.team", flow_id="daily", disabled=True)
    assert tick() == []
    assert not PeriodicTask.objects.get(name=TASK).enabled
    services.flow_set_disabled(namespace="company.team", flow_id="daily", disabled=False)
    assert Trigger.objects.get(**KEY).backfill is not None
    assert PeriodicTask.objects.get(name=TASK).enabled
    assert len(tick()) == 1


def test_a_window_reaching_into_the_future_waits_for_its_dates(trigger):
    start(start="2026-01-19T00:00:00Z", end="2026-01-22T00:00:00Z")
    for expected in (19, 20):  # NOW is the 20th at 09:00Z, that day's date
        runs = tick()
        assert [r.scheduled_date for r in runs] == [day(expected)]
        finish(runs[0])
    assert tick() == []  # the 21st is still to come: the backfill waits for it
    assert Trigger.objects.get(**KEY).backfill["currentDate"] == "2026-01-20T09:00:01Z"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"end": "2026-01-02T00:00:00Z"}, "backfill.start"),
        ({"start": "yesterday"}, "backfill.start"),
        ({"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "backfill.end"),
        ({"start": "2026-01-01T00:00:00Z", "inputs": [1]}, "backfill.inputs"),
        ({"start": "2026-01-01T00:00:00Z", "labels": [{"key": "k"}]}, "backfill.labels[0]"),
        (
            {"start": "2026-01-01T00:00:00Z", "labels": {"system.x": "y"}},
            "backfill.labels[0].key",
        ),
        ("soon", "backfill"),
    ],
)
def test_bad_backfills_name_the_field(trigger, body, path):
    row = Trigger.objects.get(**KEY)
    with pytest.raises(InvalidInput) as error:
        backfills.backfill_set(row, body, now=NOW)
    assert error.value.path == path
    assert Trigger.objects.get(**KEY).backfill is None


def test_a_changed_cron_during_a_backfill_resumes_on_the_new_schedule(trigger):
    start()
    services.flow_update(
        namespace="company.team",
        flow_id="daily",
        source=SOURCE.replace('cron: "0 10 * * *"', 'cron: "0 11 * * *"'),
    )
    row = Trigger.objects.get(**KEY)
    assert row.backfill["previousNextExecutionDate"] == backfills._iso(row.next_date)
    assert row.next_date.astimezone(UTC).hour == 10  # 11:00 in Paris
    deleted = backfills.backfill_delete(*KEY.values())
    assert deleted.next_date == row.next_date
