"""A real `celery beat` (DatabaseScheduler) against the executor's `scheduler.fire`: two beats
for several ticks fire each tick once; a beat killed and restarted across ticks loses nothing
and doubles nothing; a per-minute crontab fires once per minute; a backfill started through
the API runs each of its dates once."""

import itertools
import time
from datetime import timedelta

import pytest

from executions.models import Execution
from flows import services as flow_services
from scheduler.models import ScheduledRun, Trigger
from tests.e2e.conftest import wait_for, wait_terminal
from tests.processes import Component

pytestmark = pytest.mark.e2e

FLOW = """
id: per-second
namespace: e2e.sched
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""
BEAT = ["beat", "-S", "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel=INFO"]


def test_two_beats_fire_each_second_once(running, tmp_path):
    flow_services.flow_create(source=FLOW)
    scope = {"namespace": "e2e.sched", "flow_id": "per-second"}
    beats = [
        Component(f"beat-{i}", [*BEAT, "--pidfile="], running.env(), tmp_path / f"beat{i}.log")
        for i in (1, 2)
    ]
    try:
        for beat in beats:
            beat.start()
        wait_for(lambda: ScheduledRun.objects.filter(**scope).count() >= 6, timeout=90)
    finally:
        for beat in beats:
            beat.stop()
    time.sleep(1)  # ticks already sent finish
    dates = list(
        ScheduledRun.objects.filter(**scope)
        .order_by("scheduled_date")
        .values_list("scheduled_date", flat=True)
    )
    assert len(dates) == len(set(dates)) >= 6  # several ticks, each fired once
    # consecutive seconds: nothing skipped (ticks seen while the trigger was locked by a
    # running execution are recovered, ALL by default)
    assert all(b - a == timedelta(seconds=1) for a, b in itertools.pairwise(dates))
    executions = Execution.objects.filter(**scope)
    assert executions.count() == len(dates)
    for execution in executions:
        assert wait_terminal(execution.id).state == "SUCCESS"


def _beat(name: str, running, tmp_path) -> Component:
    return Component(name, [*BEAT, "--pidfile="], running.env(), tmp_path / f"{name}.log")


def _dates(scope: dict) -> list:
    return list(
        ScheduledRun.objects.filter(**scope)
        .order_by("scheduled_date")
        .values_list("scheduled_date", flat=True)
    )


def test_beat_killed_and_restarted_across_ticks_loses_and_doubles_nothing(running, tmp_path):
    source = FLOW.replace("id: per-second", "id: restarted")
    flow_services.flow_create(source=source)
    scope = {"namespace": "e2e.sched", "flow_id": "restarted"}
    beat = _beat("beat-a", running, tmp_path).start()
    try:
        wait_for(lambda: ScheduledRun.objects.filter(**scope).count() >= 2, timeout=60)
        beat.kill()  # SIGKILL: no clean shutdown, whatever tick was in flight
        killed_at = _dates(scope)[-1]
        time.sleep(4)  # ticks pass with no beat at all
        beat = _beat("beat-b", running, tmp_path).start()
        wait_for(
            lambda: ScheduledRun.objects.filter(**scope, scheduled_date__gt=killed_at).count() >= 6,
            timeout=90,
        )
    finally:
        beat.stop()
    time.sleep(1)
    dates = _dates(scope)
    assert len(dates) == len(set(dates))  # nothing doubled (the unique claim)
    # nothing lost: the seconds missed while no beat ran were recovered (ALL), in order
    assert all(b - a == timedelta(seconds=1) for a, b in itertools.pairwise(dates)), dates
    assert Execution.objects.filter(**scope).count() == len(dates)


MINUTE = """
id: per-minute
namespace: e2e.sched
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    timezone: Europe/Paris
"""


def test_a_per_minute_crontab_fires_once_per_minute(running, tmp_path):
    flow_services.flow_create(source=MINUTE)
    scope = {"namespace": "e2e.sched", "flow_id": "per-minute"}
    beats = [_beat(f"beat-m{i}", running, tmp_path).start() for i in (1, 2)]
    try:
        wait_for(lambda: ScheduledRun.objects.filter(**scope).count() >= 2, timeout=200)
    finally:
        for beat in beats:
            beat.stop()
    time.sleep(1)
    dates = _dates(scope)
    assert len(dates) >= 2
    assert all(d.second == 0 for d in dates)
    assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(dates))
    for execution in Execution.objects.filter(**scope):
        assert wait_terminal(execution.id).state == "SUCCESS"
        assert execution.trigger["variables"]["date"].endswith(("+01:00", "+02:00"))


DAILY = """
id: backfilled
namespace: e2e.sched
inputs:
  - id: who
    type: STRING
    defaults: schedule
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }} {{ inputs.who }}"
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 10 * * *"
    timezone: Europe/Paris
"""


def test_a_backfill_runs_each_date_once_with_a_real_beat(running, tmp_path, api):
    flow_services.flow_create(source=DAILY)
    scope = {"namespace": "e2e.sched", "flow_id": "backfilled"}
    body = {
        "namespace": "e2e.sched",
        "flowId": "backfilled",
        "triggerId": "daily",
        "backfill": {
            "start": "2026-01-01T00:00:00Z",
            "end": "2026-01-04T00:00:00Z",
            "inputs": {"who": "backfill"},
            "labels": [{"key": "origin", "value": "backfill"}],
        },
    }
    assert api.put("/api/v1/main/triggers", body, format="json").status_code == 200
    beats = [_beat(f"beat-b{i}", running, tmp_path).start() for i in (1, 2)]
    try:
        wait_for(
            lambda: not Trigger.objects.filter(**scope, backfill__isnull=False).exists(),
            timeout=120,
        )
    finally:
        for beat in beats:
            beat.stop()
    dates = _dates(scope)
    assert [(d.month, d.day, d.hour) for d in dates] == [(1, 1, 9), (1, 2, 9), (1, 3, 9)]
    for execution in Execution.objects.filter(**scope):
        done = wait_terminal(execution.id)
        assert done.state == "SUCCESS"
        assert done.inputs == {"who": "backfill"}
        assert {"key": "origin", "value": "backfill"} in done.labels
