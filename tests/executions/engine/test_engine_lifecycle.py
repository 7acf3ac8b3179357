"""Kill, pause and resume, idempotency, Labels, Subflow, flow outputs and run variables."""

from datetime import timedelta

import pytest

from executions.engine import (
    Execution,
    InvalidResume,
    Kill,
    Resume,
    SubflowResult,
    WorkerResult,
    compile_flow,
    process,
    sequential_ids,
)
from tests.executions.engine.harness import START, Harness, make_renderer, run_flow

TWO = """id: f
namespace: io.kestra.tests
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: "{{ task.id }}"
  - id: b
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.a.value }}"
"""


def engine(source):
    plan = compile_flow(Harness.of(source).flow)
    execution = Execution.new(plan.id, plan.namespace, START, id="e")
    kw = {"renderer": make_renderer(), "ids": sequential_ids()}

    def call(*events, now=START):
        return process(plan, execution, list(events), now, **kw)

    return execution, call


def test_first_call_starts_the_execution_and_dispatches_one_job():
    execution, call = engine(TWO)
    out = call()
    assert execution.state.current == "RUNNING"
    assert [j.task["id"] for j in out.worker_jobs] == ["a"]
    job = out.worker_jobs[0]
    assert job.variables["taskrun"]["attemptsCount"] == 0
    assert job.variables["execution"]["startDate"] == "2024-01-01T10:00:00.123Z"
    assert call().changed is False  # nothing due, nothing changes


def test_duplicate_and_stale_results_are_dropped():
    execution, call = engine(TWO)
    job = call().worker_jobs[0]
    result = WorkerResult(job.task_run_id, 1, "SUCCESS", {"value": "a"})
    out = call(result)
    assert [j.task["id"] for j in out.worker_jobs] == ["b"]
    again = call(result)
    assert again.dropped and not again.worker_jobs and not again.changed_task_runs
    stale = call(WorkerResult(out.worker_jobs[0].task_run_id, 7, "FAILED"))
    assert stale.dropped and execution.task_run_list[1].state.current == "RUNNING"
    assert call(WorkerResult("nope", 1, "SUCCESS")).dropped


def test_outputs_flow_into_the_next_task_variables():
    h = run_flow(TWO)
    assert h.outputs("b") == {"value": "a"}


def test_kill_stops_running_tasks_and_ends_killed():
    execution, call = engine(TWO)
    job = call().worker_jobs[0]
    out = call(Kill())
    assert execution.state.current == "KILLING"
    assert [k.task_run_id for k in out.kill_jobs] == [job.task_run_id]
    out = call(WorkerResult(job.task_run_id, 1, "KILLED"))
    assert execution.state.current == "KILLED" and out.terminal
    assert not out.worker_jobs
    assert call().changed is False


PAUSE = """id: p
namespace: io.kestra.tests
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    {extra}
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.pause.onResume is defined }}"
"""


def test_pause_waits_for_resume_with_validated_inputs():
    source = PAUSE.replace("{extra}", "onResume:\n      - id: ok\n        type: BOOLEAN")
    execution, call = engine(source)
    call()
    assert execution.state.current == "PAUSED"
    assert execution.task_run_list[0].state.current == "PAUSED"
    with pytest.raises(InvalidResume):
        call(Resume(execution.task_run_list[0].id, {}))
    out = call(Resume(execution.task_run_list[0].id, {"ok": True}))
    assert execution.state.current == "RUNNING"
    assert execution.task_run_list[0].outputs == {"onResume": {"ok": True}}
    assert execution.task_run_list[0].state.current == "SUCCESS"
    assert [j.task["id"] for j in out.worker_jobs] == ["after"]


def test_pause_delay_resumes_by_timer_and_timeout_fails():
    execution, call = engine(PAUSE.replace("{extra}", "delay: PT10S"))
    out = call()
    assert out.wake_at == START + timedelta(seconds=10)
    out = call(now=START + timedelta(seconds=10))
    pause = execution.task_run_list[0]
    assert [h.state.value for h in pause.state.histories].count("RUNNING") == 2
    assert pause.state.current == "SUCCESS"
    execution, call = engine(PAUSE.replace("{extra}", "timeout: PT10S"))
    call()
    call(now=START + timedelta(seconds=11))
    assert execution.state.current == "FAILED"


def test_labels_task_overrides_and_stringifies():
    h = run_flow("""id: l
namespace: io.kestra.tests
labels:
  keep: "1"
tasks:
  - id: lab
    type: io.kestra.plugin.core.execution.Labels
    labels:
      keep: 2
      flag: true
""")
    labels = {item["key"]: item["value"] for item in h.execution.labels}
    assert labels["keep"] == "2" and labels["flag"] == "true"
    assert h.state_of("lab") == "SUCCESS"


SUBFLOW = """id: parent
namespace: io.kestra.tests
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: io.kestra.tests
    flowId: child
    inputs:
      x: "{{ execution.id }}"
    {extra}
"""


def test_subflow_waits_for_its_child_and_transmits_failure():
    execution, call = engine(SUBFLOW.replace("{extra}", "wait: true"))
    out = call()
    (request,) = out.subflow_requests
    assert request.inputs == {"x": "e"} and request.wait
    task_run = execution.task_run_list[0]
    assert task_run.state.current == "RUNNING"
    call(SubflowResult(task_run.id, "other", "SUCCESS"))
    assert task_run.state.current == "RUNNING"  # a superseded child is ignored
    call(SubflowResult(task_run.id, request.execution_id, "FAILED", {"o": 1}))
    assert task_run.outputs == {
        "executionId": request.execution_id,
        "state": "FAILED",
        "outputs": {"o": 1},
    }
    assert execution.state.current == "FAILED"


def test_subflow_without_wait_succeeds_at_once():
    execution, call = engine(SUBFLOW.replace("{extra}", "wait: false"))
    out = call()
    assert len(out.subflow_requests) == 1
    assert execution.state.current == "SUCCESS"


def test_flow_outputs_are_rendered_and_typed():
    h = run_flow(
        TWO
        + """outputs:
  - id: text
    type: STRING
    value: "{{ outputs.b.value }}"
  - id: number
    type: INT
    value: "42"
"""
    )
    assert h.execution.outputs == {"text": "a", "number": 42}


def test_inputs_defaults_are_in_variables_and_absent_without_any():
    h = run_flow("""id: i
namespace: io.kestra.tests
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: r
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.name }} {{ labels.system.correlationId }}"
""")
    assert h.outputs("r") == {"value": "world exec1"}
    h = run_flow(
        "id: i\nnamespace: n\ntasks:\n  - id: r\n    type: io.kestra.plugin.core.debug.Return\n"
        '    format: "{{ inputs.x }}"\n'
    )
    assert h.execution.state.current == "FAILED"
