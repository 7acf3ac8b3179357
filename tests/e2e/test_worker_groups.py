"""Worker groups: a task runs only on its group's worker, and a worker needs no database."""

import pytest

from executions import services
from executions.models import TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_terminal

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
