"""A real executor and a real worker run flows end to end over Redis and PostgreSQL."""

import pytest

from executions import services
from executions.models import Execution, LogEntry, TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_for, wait_terminal

pytestmark = pytest.mark.e2e

SEQUENTIAL = """
id: seq
namespace: e2e
inputs:
  - id: who
    type: STRING
    defaults: world
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.who }}"
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.debug.Return
        format: "a-{{ inputs.who }}"
      - id: b
        type: io.kestra.plugin.core.debug.Return
        format: "b"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.a.value }}+{{ outputs.b.value }}"
outputs:
  - id: result
    type: STRING
    value: "{{ outputs.last.value }}"
"""


def test_a_flow_runs_to_success_with_outputs_and_logs(running):
    flow_services.flow_create(source=SEQUENTIAL)
    row = services.execution_create(namespace="e2e", flow_id="seq", inputs={"who": "e2e"})
    done = wait_terminal(row.id)
    assert done.state == "SUCCESS"
    assert done.outputs == {"result": "a-e2e+b"}
    assert TaskRun.objects.filter(execution=done).count() == 5
    assert LogEntry.objects.filter(execution=done, message="Hello e2e").exists()


def test_a_failing_task_fails_the_execution_and_errors_run(running):
    flow_services.flow_create(
        source="""
id: failing
namespace: e2e
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "it broke"
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: "handled {{ errorLogs()[0].message ?? 'x' }}"
"""
    )
    row = services.execution_create(namespace="e2e", flow_id="failing")
    done = wait_terminal(row.id)
    assert done.state == "FAILED"
    states = dict(TaskRun.objects.filter(execution=done).values_list("task_id", "state"))
    assert states == {"boom": "FAILED", "handler": "SUCCESS"}


def test_kill_stops_a_running_execution(running):
    flow_services.flow_create(
        source="""
id: sleeper
namespace: e2e
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
"""
    )
    row = services.execution_create(namespace="e2e", flow_id="sleeper")
    wait_for(
        lambda: TaskRun.objects.filter(execution_id=row.id, task_id="nap", state="RUNNING").exists()
    )
    services.execution_kill(row.id)
    done = wait_terminal(row.id, timeout=30)
    assert done.state == "KILLED"
    assert not TaskRun.objects.filter(execution=done, task_id="never").exists()
    assert Execution.objects.get(pk=row.id).end_date is not None


def test_a_lost_message_only_delays_work(running, monkeypatch):
    """The tick announcing a new execution is lost: the sweeper re-sends it."""
    from executions import dispatch, tasks

    flow_services.flow_create(
        source="""
id: lost
namespace: e2e
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: ok
"""
    )
    monkeypatch.setattr(dispatch, "send_tick", lambda execution_id: None)
    row = services.execution_create(namespace="e2e", flow_id="lost")
    monkeypatch.undo()
    assert Execution.objects.get(pk=row.id).state == "CREATED"
    assert tasks.sweep(created_grace_seconds=0) >= 1
    assert wait_terminal(row.id).state == "SUCCESS"
