"""Worker groups in the engine: which group a job goes to, and the fallback with no live worker."""

import pytest

from executions.engine import (
    Execution,
    WorkerGroups,
    WorkerResult,
    WorkerUnavailable,
    compile_flow,
    process,
    sequential_ids,
)
from executions.engine.groups import namespace_group, waiting_reason
from tests.executions.engine.harness import START, Harness, make_renderer


def flow(task_group: str = "", flow_group: str = "", namespace: str = "company.team") -> str:
    return f"""id: f
namespace: {namespace}
{flow_group}
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ task.id }}}}"
{task_group}
  - id: b
    type: io.kestra.plugin.core.debug.Return
    format: b
"""


def engine(source: str, groups: WorkerGroups | None):
    plan = compile_flow(Harness.of(source).flow)
    execution = Execution.new(plan.id, plan.namespace, START, id="e")
    kw = {"renderer": make_renderer(), "ids": sequential_ids(), "worker_groups": groups}

    def call(*events):
        return process(plan, execution, list(events), START, **kw)

    return execution, call


def served(*queues: str) -> WorkerGroups:
    return WorkerGroups(available=lambda queue: queue in queues)


TASK_GPU = "    workerGroup:\n      key: gpu"


def test_task_key_then_flow_key_then_namespace_default():
    _, call = engine(flow(TASK_GPU, "workerGroup:\n  key: cpu"), None)
    assert call().worker_jobs[0].worker_group == "gpu"
    _, call = engine(flow("", "workerGroup:\n  key: cpu"), None)
    assert call().worker_jobs[0].worker_group == "cpu"
    defaults = WorkerGroups(namespace_defaults={"company": "big", "company.team": "team"})
    _, call = engine(flow(), defaults)
    assert call().worker_jobs[0].worker_group == "team"
    _, call = engine(flow(namespace="other"), defaults)
    assert call().worker_jobs[0].worker_group is None  # the default group


def test_longest_namespace_prefix_wins():
    defaults = {"company": "a", "company.team": "b", "comp": "c"}
    assert namespace_group(defaults, "company.team.sub") == "b"
    assert namespace_group(defaults, "company.other") == "a"
    assert namespace_group(defaults, "companyx") is None


def test_wait_keeps_the_job_and_says_why_until_a_result_arrives():
    execution, call = engine(flow(TASK_GPU), served("default"))
    out = call()
    assert [j.worker_group for j in out.worker_jobs] == ["gpu"]
    a = execution.task_run_list[0]
    assert a.state.current == "RUNNING"
    assert a.status_reason == waiting_reason("gpu")
    assert a.to_dict()["statusReason"] == "waiting: no worker subscribed to queue gpu"
    call(WorkerResult(a.id, 1, "SUCCESS", {"value": "a"}))
    assert a.status_reason is None


def test_fail_fails_the_task_run_with_the_reason():
    fallback = "    workerGroup:\n      key: gpu\n      fallback: FAIL"
    execution, call = engine(flow(fallback), served("default"))
    out = call()
    assert out.worker_jobs == []
    a = execution.task_run_list[0]
    assert a.state.current == "FAILED"
    assert "No workers are available for worker group 'gpu'" in (a.status_reason or "")
    assert execution.state.current == "FAILED"
    assert any("failing the task" in line.message for line in out.logs)


def test_cancel_cancels_the_execution():
    execution, call = engine(flow("", "workerGroup:\n  key: gpu\n  fallback: CANCEL"), served())
    call()
    assert execution.task_run_list[0].state.current == "CANCELLED"
    assert execution.state.current == "CANCELLED"


def test_served_group_dispatches_without_a_reason():
    execution, call = engine(flow(TASK_GPU), served("gpu", "default"))
    call()
    assert execution.task_run_list[0].status_reason is None


@pytest.mark.parametrize(
    ("fallback", "task_state", "execution_state"),
    [("WAIT", "RUNNING", "RUNNING"), ("FAIL", "FAILED", "FAILED")],
)
def test_sweeper_recheck_applies_the_fallback(fallback, task_state, execution_state):
    group = f"    workerGroup:\n      key: gpu\n      fallback: {fallback}"
    execution, call = engine(flow(group), served("gpu", "default"))
    job = call().worker_jobs[0]
    out = call(WorkerUnavailable(job.task_run_id, 1, "gpu"))
    a = execution.task_run_list[0]
    assert a.state.current == task_state
    assert execution.state.current == execution_state
    if fallback == "FAIL":
        assert [k.attempt for k in out.kill_jobs] == [1]  # its queued job is revoked
    else:
        assert a.status_reason == waiting_reason("gpu")
    stale = call(WorkerUnavailable(job.task_run_id, 7, "gpu"))
    assert stale.dropped


def test_executor_side_tasks_ignore_groups():
    source = flow(TASK_GPU).replace("io.kestra.plugin.core.debug.Return", "x.Local", 1)
    groups = WorkerGroups(available=lambda queue: False, executor_types=frozenset({"x.Local"}))
    execution, call = engine(source, groups)
    job = call().worker_jobs[0]
    assert job.worker_group is None
    assert execution.task_run_list[0].status_reason is None
