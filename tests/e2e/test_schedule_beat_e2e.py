"""A real `celery beat` (two of them, DatabaseScheduler) on a per-second Schedule: every tick
fires exactly once, through the executor's `scheduler.fire`."""

import itertools
import time
from datetime import timedelta

import pytest

from executions.models import Execution
from flows import services as flow_services
from scheduler.models import ScheduledRun
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
        wait_for(lambda: ScheduledRun.objects.filter(**scope).count() >= 4, timeout=60)
    finally:
        for beat in beats:
            beat.stop()
    time.sleep(1)  # ticks already sent finish
    dates = list(
        ScheduledRun.objects.filter(**scope)
        .order_by("scheduled_date")
        .values_list("scheduled_date", flat=True)
    )
    assert len(dates) == len(set(dates)) >= 4
    # consecutive seconds: nothing skipped (ticks seen while the trigger was locked by a
    # running execution are recovered, ALL by default)
    assert all(b - a == timedelta(seconds=1) for a, b in itertools.pairwise(dates))
    executions = Execution.objects.filter(**scope)
    assert executions.count() == len(dates)
    for execution in executions:
        assert wait_terminal(execution.id).state == "SUCCESS"
