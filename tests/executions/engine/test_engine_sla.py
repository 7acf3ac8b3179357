"""Flow SLAs in the engine: assertions before each decision, MAX_DURATION through the timer."""

from datetime import timedelta

from executions.engine import Execution, WorkerResult, compile_flow, process, sequential_ids
from tests.executions.engine.harness import START, Harness, make_renderer

ASSERTION = """id: sla-execution-condition
namespace: io.kestra.tests
inputs:
  - id: string
    type: STRING
    defaults: PASS
sla:
  - id: condition
    type: EXECUTION_ASSERTION
    behavior: CANCEL
    assert: "{{inputs.string != 'CANCEL'}}"
  - id: label
    type: EXECUTION_ASSERTION
    behavior: NONE
    assert: "{{inputs.string != 'LABEL'}}"
    labels:
      sla: violated
tasks:
  - id: return
    type: io.kestra.plugin.core.debug.Return
    format: "true"
"""

DURATION = """id: sla-max-duration
namespace: io.kestra.tests
sla:
  - id: maxDuration
    type: MAX_DURATION
    behavior: {behavior}
    duration: PT0.5S
    labels:
      - key: late
        value: "yes"
tasks:
  - id: sleep
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def engine(source, inputs=None):
    plan = compile_flow(Harness.of(source).flow)
    execution = Execution.new(plan.id, plan.namespace, START, id="e", inputs=inputs)
    kw = {"renderer": make_renderer(), "ids": sequential_ids()}

    def call(*events, now=START):
        return process(plan, execution, list(events), now, **kw)

    return execution, call


def labels(execution):
    return {x["key"]: x["value"] for x in execution.labels}


def test_a_false_assertion_with_cancel_cancels_before_anything_runs():
    execution, call = engine(ASSERTION, {"string": "CANCEL"})
    out = call()
    assert execution.state.current == "CANCELLED"
    assert out.worker_jobs == [] and out.terminal
    assert any("SLA 'condition' violated: assertion is false" in x.message for x in out.logs)


def test_a_false_assertion_with_none_only_adds_its_labels_once():
    execution, call = engine(ASSERTION, {"string": "LABEL"})
    out = call()
    assert execution.state.current == "RUNNING" and labels(execution) == {"sla": "violated"}
    assert out.execution_changed
    job = out.worker_jobs[0]
    call(WorkerResult(job.task_run_id, 1, "SUCCESS", {"value": "true"}))
    assert execution.state.current == "SUCCESS"
    assert execution.labels == [{"key": "sla", "value": "violated"}]


def test_a_true_assertion_changes_nothing():
    execution, call = engine(ASSERTION)
    out = call()
    assert execution.labels == [] and [j.task["id"] for j in out.worker_jobs] == ["return"]


def test_max_duration_wakes_at_its_deadline_then_fails_and_kills_the_running_task():
    execution, call = engine(DURATION.format(behavior="FAIL"))
    out = call()
    assert out.wake_at == START + timedelta(milliseconds=500)
    job = out.worker_jobs[0]
    early = call(now=START + timedelta(milliseconds=100))
    assert execution.state.current == "RUNNING" and early.kill_jobs == []
    late = call(now=out.wake_at)
    assert execution.state.current == "FAILED" and labels(execution) == {"late": "yes"}
    assert [(k.task_run_id, k.attempt) for k in late.kill_jobs] == [(job.task_run_id, 1)]
    task_run = execution.task_run_list[0]
    assert task_run.state.current == "FAILED" and task_run.attempts[-1].state.current == "FAILED"
    assert late.wake_at is None
    dropped = call(WorkerResult(job.task_run_id, 1, "KILLED"), now=out.wake_at)
    assert execution.state.current == "FAILED" and dropped.dropped


def test_max_duration_with_none_keeps_running():
    execution, call = engine(DURATION.format(behavior="NONE"))
    out = call()
    call(now=out.wake_at)
    assert execution.state.current == "RUNNING" and labels(execution) == {"late": "yes"}


def test_a_finished_execution_asks_for_no_wake_up():
    execution, call = engine(DURATION.format(behavior="FAIL"))
    job = call().worker_jobs[0]
    out = call(WorkerResult(job.task_run_id, 1, "SUCCESS"), now=START + timedelta(milliseconds=1))
    assert execution.state.current == "SUCCESS" and out.wake_at is None


def test_max_duration_does_not_apply_after_a_restart():
    from executions.engine import actions

    execution, call = engine(DURATION.format(behavior="FAIL"))
    job = call().worker_jobs[0]
    call(WorkerResult(job.task_run_id, 1, "FAILED"), now=START + timedelta(milliseconds=1))
    assert execution.state.current == "FAILED"
    later = START + timedelta(hours=1)
    actions.restart(
        compile_flow(Harness.of(DURATION.format(behavior="FAIL")).flow), execution, later
    )
    out = call(now=later)
    assert execution.state.current == "RUNNING" and out.wake_at is None
    assert [j.task["id"] for j in out.worker_jobs] == ["sleep"]
