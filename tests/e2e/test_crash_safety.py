"""Workers that die or freeze mid-task: the attempt is resubmitted on a live worker, once."""

import signal
import time

import pytest

from executions import services, tasks
from executions.models import Execution, TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_for
from workers.models import WorkerInstance

pytestmark = pytest.mark.e2e


def flow(group: str) -> str:
    return f"""
id: crash-{group}
namespace: e2e.crash
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: "{{{{ taskrun.attemptsCount > 0 ? 'PT0.1S' : 'PT120S' }}}}"
    workerGroup:
      key: {group}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "done"
"""


@pytest.fixture
def workers(running, settings):
    """Adds workers on private queues; stops them after the test."""
    settings.KESTRA = {
        **settings.KESTRA,
        "WORKER_GROUPS": ["default", "g1", "g2"],
        "HEARTBEAT_TIMEOUT_SECONDS": 4,
    }
    added = []

    def add(name: str, queue: str):
        component = running.add(
            name, queue, env=running.env(KESTRA_HEARTBEAT_SECONDS="1"), concurrency=1
        )
        added.append(component)
        return component

    yield add
    for component in added:
        running.remove(component)


def held_by(worker_name: str) -> set[str]:
    return {
        job
        for w in WorkerInstance.objects.filter(worker_id__startswith=worker_name)
        for job in w.running
    }


def start_and_wait_held(group: str, worker_name: str) -> tuple[str, str]:
    flow_services.flow_create(source=flow(group))
    row = services.execution_create(namespace="e2e.crash", flow_id=f"crash-{group}")
    nap = wait_for(lambda: TaskRun.objects.filter(execution_id=row.id, task_id="nap").first())
    wait_for(lambda: f"{nap.id}:1" in held_by(worker_name), timeout=30)
    return row.id, nap.id


def sweep_until_success(execution_id: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks.sweep()
        if Execution.objects.get(pk=execution_id).state == "SUCCESS":
            return
        time.sleep(1)
    raise AssertionError(f"execution {execution_id} did not succeed")


def attempt_states(task_run_id: str) -> list[str]:
    return [a["state"]["current"] for a in TaskRun.objects.get(pk=task_run_id).attempts]


def test_sigkill_mid_task_resubmits_on_a_live_worker(workers):
    first = workers("g1-a", "g1")
    execution_id, nap_id = start_and_wait_held("g1", "g1-a")
    first.kill()  # SIGKILL to the whole process group, mid-task
    workers("g1-b", "g1")
    sweep_until_success(execution_id)
    assert attempt_states(nap_id) == ["RESUBMITTED", "SUCCESS"]


def test_a_stopped_worker_is_replaced_and_its_stale_work_discarded(workers):
    frozen = workers("g2-a", "g2")
    execution_id, nap_id = start_and_wait_held("g2", "g2-a")
    frozen.signal(signal.SIGSTOP)  # no heartbeat, no progress
    workers("g2-b", "g2")
    sweep_until_success(execution_id)
    frozen.signal(signal.SIGCONT)  # it wakes holding the superseded attempt, which is revoked
    wait_for(lambda: f"{nap_id}:1" not in held_by("g2-a"), timeout=30)
    assert attempt_states(nap_id) == ["RESUBMITTED", "SUCCESS"]
