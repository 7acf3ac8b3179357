"""Warm shutdown: on SIGTERM a worker finishes short tasks, gives long ones back at once."""

import signal
import time

import pytest

from executions import services
from executions.models import TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_for, wait_terminal
from workers.models import WorkerInstance

pytestmark = pytest.mark.e2e
GRACE = 4

FLOW = """
id: drain
namespace: e2e.shutdown
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: short
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT2S
        workerGroup:
          key: s1
      - id: long
        type: io.kestra.plugin.core.flow.Sleep
        duration: "{{ taskrun.attemptsCount > 0 ? 'PT0.5S' : 'PT120S' }}"
        workerGroup:
          key: s1
"""


def held_by(prefix: str) -> set[str]:
    rows = WorkerInstance.objects.filter(worker_id__startswith=prefix)
    return {job for row in rows for job in row.running}


def attempt_states(task_run: TaskRun) -> list[str]:
    task_run.refresh_from_db()
    return [a["state"]["current"] for a in task_run.attempts]


def test_sigterm_finishes_short_tasks_and_resubmits_long_ones_at_once(running, settings):
    settings.KESTRA = {**settings.KESTRA, "WORKER_GROUPS": ["default", "s1"]}
    env = running.env(KESTRA_WORKER_SHUTDOWN_GRACE_SECONDS=str(GRACE), KESTRA_HEARTBEAT_SECONDS="1")
    first = running.add("s1-a", "s1", env=env, concurrency=2)
    second = None
    try:
        flow_services.flow_create(source=FLOW)
        row = services.execution_create(namespace="e2e.shutdown", flow_id="drain")
        runs = wait_for(
            lambda: (
                {t.task_id: t for t in TaskRun.objects.filter(execution_id=row.id)}
                if TaskRun.objects.filter(execution_id=row.id).count() == 3
                else None
            )
        )
        short, long = runs["short"], runs["long"]
        wait_for(lambda: {f"{short.id}:1", f"{long.id}:1"} <= held_by("s1-a"), timeout=30)
        time.sleep(0.5)
        stopped_at = time.monotonic()
        first.process.send_signal(signal.SIGTERM)  # the main process only, as systemd does
        second = running.add("s1-b", "s1", env=env, concurrency=1)
        first.process.wait(timeout=GRACE + 20)
        took = time.monotonic() - stopped_at
        assert GRACE - 0.5 < took < GRACE + 15  # it waited for the grace period, not forever
        # the short one finished on the stopping worker; the long one was given back at once
        assert attempt_states(short) == ["SUCCESS"]
        assert attempt_states(long)[0] == "RESUBMITTED"
        done = wait_terminal(row.id, timeout=60)
        assert done.state == "SUCCESS"
        states = attempt_states(long)
        assert states == ["RESUBMITTED", "SUCCESS"]
        assert states.count("SUCCESS") == 1
        assert f"{long.id}:2" in second.log.read_text()  # the second worker ran it
        # its last heartbeat said it is gone
        wait_for(lambda: not WorkerInstance.objects.filter(worker_id__startswith="s1-a").exists())
    finally:
        running.remove(first)
        if second is not None:
            running.remove(second)
