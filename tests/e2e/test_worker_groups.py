"""Worker groups: a task runs only on its group's worker, and a worker needs no database."""

import pytest

from executions import services
from executions.models import TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_for, wait_terminal

pytestmark = pytest.mark.e2e

FLOW = """
id: routed
namespace: e2e.groups
tasks:
  - id: on-gpu
    type: io.kestra.plugin.core.debug.Return
    format: "{{ task.id }}"
    workerGroup:
      key: gpu
  - id: anywhere
    type: io.kestra.plugin.core.debug.Return
    format: "{{ task.id }}"
"""


@pytest.fixture
def gpu_settings(settings):
    settings.KESTRA = {**settings.KESTRA, "WORKER_GROUPS": ["default", "gpu"]}


def test_gpu_task_runs_on_a_worker_without_database(running, gpu_settings):
    # The gpu worker's database points nowhere: a worker needs the broker and storage only.
    env = running.env(DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere")
    gpu = running.add("gpu", "gpu", env=env, concurrency=1)
    flow_services.flow_create(source=FLOW)
    row = services.execution_create(namespace="e2e.groups", flow_id="routed")
    done = wait_terminal(row.id)
    assert done.state == "SUCCESS"
    runs = {t.task_id: t for t in TaskRun.objects.filter(execution=done)}
    assert runs["on-gpu"].worker_group == "gpu"
    assert runs["on-gpu"].outputs == {"value": "on-gpu"}
    log = gpu.log.read_text()
    assert f"{runs['on-gpu'].id}:1" in log  # the gpu worker ran it...
    assert f"{runs['anywhere'].id}:1" not in log  # ...and only it


def fallback_flow(flow_id: str, key: str, fallback: str) -> str:
    return f"""
id: {flow_id}
namespace: e2e.groups
tasks:
  - id: placed
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ task.id }}}}"
    workerGroup:
      key: {key}
      fallback: {fallback}
"""


@pytest.fixture
def more_groups(settings):
    settings.KESTRA = {**settings.KESTRA, "WORKER_GROUPS": ["default", "late", "absent"]}


def test_wait_says_why_on_the_task_run_until_a_worker_serves_the_group(running, more_groups, api):
    flow_services.flow_create(source=fallback_flow("waits", "late", "WAIT"))
    row = services.execution_create(namespace="e2e.groups", flow_id="waits")
    reason = "waiting: no worker subscribed to queue late"
    wait_for(lambda: TaskRun.objects.filter(execution_id=row.id, status_reason=reason).exists())
    shown = api.get(f"/api/v1/main/executions/{row.id}").json()
    assert shown["state"]["current"] == "RUNNING"
    assert shown["taskRunList"][0]["statusReason"] == reason
    late = running.add("late", "late", concurrency=1)
    try:
        done = wait_terminal(row.id)
        assert done.state == "SUCCESS"
        assert TaskRun.objects.get(execution_id=row.id).status_reason is None
    finally:
        running.remove(late)


def test_fail_fails_the_task_when_no_worker_serves_the_group(running, more_groups):
    flow_services.flow_create(source=fallback_flow("fails", "absent", "FAIL"))
    row = services.execution_create(namespace="e2e.groups", flow_id="fails")
    done = wait_terminal(row.id)
    assert done.state == "FAILED"
    task_run = TaskRun.objects.get(execution_id=row.id)
    assert task_run.state == "FAILED"
    assert "No workers are available for worker group 'absent'" in task_run.status_reason
