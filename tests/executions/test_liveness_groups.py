"""Worker-group fallbacks on the executor side: at dispatch, in the sweeper, and what clears the
waiting reason (a worker holding the job, a group served again, a shutdown report)."""

from datetime import UTC, datetime, timedelta

import pytest

from executions import executor, liveness, services
from executions.models import Execution, TaskRun
from flows import services as flow_services
from workers.models import WorkerInstance

pytestmark = pytest.mark.django_db


def source(fallback: str = "WAIT", namespace: str = "company.team") -> str:
    return f"""id: placed
namespace: {namespace}
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: a
    workerGroup:
      key: gpu
      fallback: {fallback}
"""


@pytest.fixture(autouse=True)
def groups(settings):
    settings.KESTRA = {
        **settings.KESTRA,
        "WORKER_GROUPS": ["default", "gpu", "team"],
        "NAMESPACE_WORKER_GROUPS": {"company": "default", "company.team": "team"},
    }
    executor._PLANS.clear()  # every test saves its own revision 1 of `placed`


def worker(name: str, queues: list[str], running: list[str] = ()) -> WorkerInstance:
    now = datetime.now(UTC) + timedelta(seconds=60)  # alive now and at later()
    return WorkerInstance.objects.create(
        worker_id=name,
        hostname="h",
        pid=1,
        queues=queues,
        running=list(running),
        started=now,
        last_seen=now,
    )


def start(fallback: str = "WAIT", flow: str | None = None) -> tuple[Execution, TaskRun]:
    flow_services.flow_create(source=flow or source(fallback))
    row = services.execution_create(namespace="company.team", flow_id="placed")
    executor.execution_process(row.id)
    return Execution.objects.get(pk=row.id), TaskRun.objects.get(execution_id=row.id)


def later() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=60)


def test_wait_at_dispatch_then_a_heartbeat_holding_the_job_clears_it():
    _, task_run = start("WAIT")
    assert task_run.state == "RUNNING"
    assert task_run.status_reason == "waiting: no worker subscribed to queue gpu"
    liveness.record_heartbeat(
        {"worker_id": "w1", "queues": ["gpu"], "running": [f"{task_run.id}:1"]}
    )
    task_run.refresh_from_db()
    assert task_run.status_reason is None


@pytest.mark.parametrize(("fallback", "state"), [("FAIL", "FAILED"), ("CANCEL", "CANCELLED")])
def test_fail_and_cancel_at_dispatch(fallback, state):
    row, task_run = start(fallback)
    assert (row.state, task_run.state) == (state, state)
    assert "No workers are available for worker group 'gpu'" in task_run.status_reason


def test_namespace_default_group():
    flow = source().replace("    workerGroup:\n      key: gpu\n      fallback: WAIT\n", "")
    worker("w-team", ["team"])
    _, task_run = start(flow=flow)
    assert task_run.worker_group == "team"
    assert task_run.status_reason is None


def test_sweeper_applies_fail_when_the_group_loses_its_last_worker():
    gpu = worker("w-gpu", ["gpu"])
    row, task_run = start("FAIL")
    assert task_run.state == "RUNNING" and task_run.status_reason is None
    gpu.delete()  # it died before taking the job
    assert liveness.resubmit_lost(later()) == 1
    task_run.refresh_from_db()
    assert task_run.state == "FAILED"
    assert Execution.objects.get(pk=row.id).state == "FAILED"


def test_sweeper_flags_wait_once_and_clears_it_when_a_worker_comes_back():
    gpu = worker("w-gpu", ["gpu"])
    _, task_run = start("WAIT")
    gpu.delete()
    liveness.resubmit_lost(later())
    task_run.refresh_from_db()
    assert task_run.state == "RUNNING"
    assert task_run.status_reason == "waiting: no worker subscribed to queue gpu"
    assert liveness.resubmit_lost(later()) == 0  # flagged already: nothing sent again
    worker("w-gpu-2", ["gpu"], running=[f"{task_run.id}:1"])
    liveness.resubmit_lost(later())
    task_run.refresh_from_db()
    assert task_run.status_reason is None


def test_a_shutdown_report_resubmits_at_once_and_gone_removes_the_worker():
    worker("w-gpu", ["gpu"])
    row, task_run = start("WAIT")
    liveness.report_lost(
        {"execution_id": row.id, "task_run_id": task_run.id, "attempt": 1, "worker_id": "w"}
    )
    task_run.refresh_from_db()
    assert [a["state"]["current"] for a in task_run.attempts] == ["RESUBMITTED", "RUNNING"]
    liveness.record_heartbeat({"worker_id": "w-gpu", "stopping": "gone"})
    assert not WorkerInstance.objects.filter(worker_id="w-gpu").exists()
