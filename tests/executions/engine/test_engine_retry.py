"""Task and flow retries: constant, exponential, random, limits, warningOnRetry, new executions."""

from datetime import timedelta

import pytest

from executions.engine import Execution, WorkerResult, compile_flow, process, sequential_ids
from executions.engine.model import Attempt, StateInfo, TaskRun
from executions.engine.retry import delay, next_retry_date
from tests.executions.engine.harness import START, Harness, make_renderer

FAILING = """id: r
namespace: io.kestra.tests
tasks:
  - id: t
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT5S
      maxAttempts: 3
"""


def test_constant_retry_adds_attempts_to_the_same_task_run():
    h = Harness.of(FAILING)
    h.run()
    (task_run,) = h.execution.task_run_list
    assert len(task_run.attempts) == 3
    assert task_run.state.current == "FAILED"
    assert [x.state.value for x in task_run.state.histories].count("RETRYING") == 2
    assert h.execution.state.current == "FAILED"
    # the clock jumped to each retry date: 5 s apart
    starts = [a.state.histories[0].date for a in task_run.attempts]
    assert starts[1] - starts[0] >= timedelta(seconds=5)


def test_retry_waits_for_its_timer():
    plan = compile_flow(Harness.of(FAILING).flow)
    execution = Execution.new("r", "io.kestra.tests", START, id="e")
    ids = sequential_ids()
    kw = {"renderer": make_renderer(), "ids": ids}
    out = process(plan, execution, [], START, **kw)
    job = out.worker_jobs[0]
    out = process(plan, execution, [WorkerResult(job.task_run_id, 1, "FAILED")], START, **kw)
    assert out.wake_at == START + timedelta(seconds=5)
    assert execution.task_run_list[0].state.current == "RETRYING"
    assert process(plan, execution, [], START + timedelta(seconds=1), **kw).changed is False
    out = process(plan, execution, [], START + timedelta(seconds=5), **kw)
    assert [j.attempt for j in out.worker_jobs] == [2]


def test_success_after_retry_with_warning_on_retry_is_warning():
    h = Harness.of("""id: r
namespace: io.kestra.tests
tasks:
  - id: t
    type: io.kestra.plugin.core.execution.Fail
    runIf: "true"
    condition: "{{ taskrun.attemptsCount < 2 }}"
    retry:
      type: constant
      interval: PT1S
      maxAttempts: 5
      warningOnRetry: true
""")
    h.run()
    (task_run,) = h.execution.task_run_list
    assert len(task_run.attempts) == 3
    assert task_run.state.current == "WARNING"


def _task_run(attempts: int) -> TaskRun:
    task_run = TaskRun("t", "e", "n", "f", "t", StateInfo.starting(START))
    for i in range(attempts):
        task_run.attempts.append(Attempt(StateInfo.starting(START + timedelta(seconds=i))))
    return task_run


def test_exponential_delay_follows_kestra():
    policy = {"type": "exponential", "interval": "PT1S", "maxInterval": "PT10S"}
    assert delay(policy, 1) == timedelta(0)
    assert delay(policy, 2) == timedelta(seconds=2)
    assert delay(policy, 3) == timedelta(seconds=4)
    assert delay(policy, 9) == timedelta(seconds=10)


def test_random_delay_is_in_bounds():
    policy = {"type": "random", "minInterval": "PT1S", "maxInterval": "PT2S"}
    for _ in range(20):
        assert timedelta(seconds=1) <= delay(policy, 1) <= timedelta(seconds=2)


@pytest.mark.parametrize(
    ("policy", "attempts", "expected"),
    [
        ({"type": "constant", "interval": "PT1S", "maxAttempts": 2}, 2, None),
        (
            {"type": "constant", "interval": "PT1S", "maxAttempt": 3},
            2,
            START + timedelta(seconds=2),
        ),
        ({"type": "constant", "interval": "PT5S", "maxDuration": "PT3S"}, 1, None),
    ],
)
def test_limits(policy, attempts, expected):
    assert next_retry_date(policy, _task_run(attempts)) == expected


def test_flow_retry_create_new_execution_ends_retried():
    h = Harness.of("""id: r
namespace: io.kestra.tests
retry:
  type: constant
  interval: PT1S
  maxAttempts: 3
  behavior: CREATE_NEW_EXECUTION
tasks:
  - id: t
    type: io.kestra.plugin.core.execution.Fail
""")
    h.run()
    assert h.execution.state.current == "RETRIED"
    requests = [r for o in h.outcomes for r in o.new_execution_requests]
    assert len(requests) == 1 and requests[0].attempt_number == 2
