"""A worker killed with SIGKILL mid-task: the attempt is resubmitted on a live worker."""

import time

import pytest

from executions import services, tasks
from executions.models import Execution, TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_for
from workers.models import WorkerInstance

pytestmark = pytest.mark.e2e

FLOW = """
id: crash
namespace: e2e.crash
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{ taskrun.attemptsCount > 0 ? 'PT0.1S' : 'PT120S' }}"
    workerGroup:
      key: crash
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "done"
"""


@pytest.fixture
def crash_settings(settings):
    settings.KESTRA = {
        **settings.KESTRA,
        "WORKER_GROUPS": ["default", "crash"],
        "HEARTBEAT_TIMEOUT_SECONDS": 4,
    }
    return settings


def held_by(worker_name: str) -> set[str]:
    return {
        job
        for w in WorkerInstance.objects.filter(worker_id__startswith=worker_name)
        for job in w.running
    }


def test_sigkill_mid_task_resubmits_on_a_live_worker(running, crash_settings):
    env = running.env(KESTRA_HEARTBEAT_SECONDS="1")
    first = running.add("crash-a", "crash", env=env, concurrency=1)
    flow_services.flow_create(source=FLOW)
    row = services.execution_create(namespace="e2e.crash", flow_id="crash")
    nap = wait_for(lambda: TaskRun.objects.filter(execution_id=row.id, task_id="nap").first())
    wait_for(lambda: f"{nap.id}:1" in held_by("crash-a"), timeout=30)

    first.kill()  # SIGKILL to the whole process group, mid-task
    running.add("crash-b", "crash", env=env, concurrency=1)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        tasks.sweep()
        if Execution.objects.get(pk=row.id).state == "SUCCESS":
            break
        time.sleep(1)

    done = Execution.objects.get(pk=row.id)
    assert done.state == "SUCCESS"
    attempts = TaskRun.objects.get(pk=nap.id).attempts
    assert [a["state"]["current"] for a in attempts] == ["RESUBMITTED", "SUCCESS"]
