"""The executor-side core tasks run through a real executor (never a worker): Count, PurgeLogs."""

import pytest

from executions import services
from executions.models import TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_terminal

pytestmark = pytest.mark.e2e

FLOW = """
id: counting
namespace: e2e.repo
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
  - id: count
    type: io.kestra.plugin.core.execution.Count
    namespaces: [e2e.repo]
    startDate: "{{ now() | dateAdd(-1, 'HOURS') }}"
    expression: "{{ count >= 1 }}"
  - id: purge
    type: io.kestra.plugin.core.log.PurgeLogs
    namespace: e2e.repo
    flowId: nothing-here
    endDate: "{{ now() }}"
"""


def test_count_and_purge_logs_run_on_the_executor(running):
    flow_services.flow_create(source=FLOW)
    row = services.execution_create(namespace="e2e.repo", flow_id="counting")
    done = wait_terminal(row.id)
    assert done.state == "SUCCESS"
    runs = {t.task_id: t for t in TaskRun.objects.filter(execution=done)}
    assert runs["count"].outputs == {
        "results": [{"namespace": "e2e.repo", "flowId": None, "count": 1}],
        "total": 1,
    }
    assert runs["purge"].outputs == {"count": 0}
    worker = next(c for c in running.components if c.name == "worker")
    assert f"{runs['count'].id}:1" not in worker.log.read_text()  # no worker
