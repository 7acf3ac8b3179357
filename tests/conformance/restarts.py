"""Restart and replay scenarios: after the first run, what Kestra's tests do with it.

The CHECKS.jsonl checks apply to the first run (its `manual` text says what follows); this
module does what follows as RestartCaseTest, ExecutionServiceTest and ExecutionControllerTest
do, through the same services as the API, and reports what does not hold. Kestra's `restart`
returns the execution RESTARTED (4 state histories); ours goes on to RUNNING in the same
write, so the history is checked up to RESTARTED. What the transform alone gives (before the
executor moves on) is checked on a copy, with the engine's pure transforms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conformance.runner import wait

Problems = list[str]


def _terminal(row: Any) -> bool:
    from executions.states import State

    return State(row.state).is_terminal


def _snapshot(execution_id: str) -> Any:
    from tests.conformance.drivers import snapshot

    return snapshot(execution_id)


def _plan(execution: Any) -> Any:
    from executions import executor

    return executor.flow_plan(execution.namespace, execution.flow_id, execution.flow_revision)


def _restarted_copy(execution_id: str) -> Any:
    """The execution as `restart` leaves it, on a copy (nothing saved)."""
    from executions.engine import actions
    from executions.engine.model import utcnow

    execution = _snapshot(execution_id)
    actions.restart(_plan(execution), execution, utcnow())
    return execution


def _replayed_copy(execution_id: str, task_id: str) -> tuple[Any, Any]:
    from executions.engine import actions, new_id
    from executions.engine.model import utcnow

    execution = _snapshot(execution_id)
    target = next(t for t in execution.task_run_list if t.task_id == task_id and t.value is None)
    fresh = actions.replay(
        _plan(execution), execution, utcnow(), new_id=new_id(), ids=new_id, task_run_id=target.id
    )
    return execution, fresh


def _history(state: Any) -> list[str]:
    return [h.state.value for h in state.histories]


def _is_restarted(label: str, state: Any, count: int | None = 4) -> Problems:
    """Kestra's RESTARTED (with `count` histories); ours adds RUNNING right after it."""
    states = _history(state)
    if states[-1:] == ["RUNNING"]:
        states = states[:-1]
    if states[-1:] == ["RESTARTED"] and count in (None, len(states)):
        return []
    return [f"{label}: histories {_history(state)}, expected {count or 'some'} up to RESTARTED"]


def _expect(label: str, actual: Any, expected: Any) -> Problems:
    return [] if actual == expected else [f"{label}: expected {expected!r}, got {actual!r}"]


def _attempts(execution: Any, task_id: str) -> int:
    runs = [t for t in execution.task_run_list if t.task_id == task_id]
    return len(runs[0].attempts) if runs else -1


def _restart(execution_id: str, timeout: float) -> tuple[Any, Problems]:
    """Restart through the service (the API's), then wait for the end."""
    from executions import services

    row = services.execution_restart(execution_id)
    problems = _expect("restarted id", row.id, execution_id)
    problems += _expect("restarted parentId", row.parent_id, None)
    done = wait(execution_id, timeout, _terminal)
    if not _terminal(done):
        problems.append(f"restart timed out in {done.state}")
    return _snapshot(execution_id), problems


def _replay(execution_id: str, task_id: str, timeout: float) -> tuple[Any, Problems]:
    from executions import services

    first = _snapshot(execution_id)
    target = next(t for t in first.task_run_list if t.task_id == task_id and t.value is None)
    row = services.execution_replay(execution_id, task_run_id=target.id)
    problems = _expect("replay parentId", row.parent_id, execution_id)
    if row.id == execution_id:
        problems.append("replay kept the execution id")
    done = wait(row.id, timeout, _terminal)
    if not _terminal(done):
        problems.append(f"replay timed out in {done.state}")
    return _snapshot(row.id), problems


def restart_multiple(execution_id: str, timeout: float) -> Problems:
    """failed-first: restarted twice, FAILED each time (RestartCaseTest.restartMultiple)."""
    problems: Problems = []
    for attempt in (2, 3):
        done, found = _restart(execution_id, timeout)
        problems += found + _expect(
            f"state after restart {attempt - 1}", done.state.current, "FAILED"
        )
        problems += _expect("t1 attempts", _attempts(done, "t1"), attempt)
    return problems


def restart_always_failed(execution_id: str, timeout: float) -> Problems:
    copy = _restarted_copy(execution_id)
    problems = _is_restarted("restart", copy.state)
    problems += _expect("task runs after restart", len(copy.task_run_list), 1)
    done, found = _restart(execution_id, timeout)
    problems += found + _expect("state", done.state.current, "FAILED")
    problems += _expect("task runs", len(done.task_run_list), 2)
    return problems + _expect("failStep attempts", _attempts(done, "failStep"), 2)


def restart_last_failed(execution_id: str, timeout: float) -> Problems:
    copy = _restarted_copy(execution_id)
    problems = _is_restarted("restart", copy.state)
    problems += _expect("task runs after restart", len(copy.task_run_list), 3)
    done, found = _restart(execution_id, timeout)
    problems += found + _expect("state", done.state.current, "SUCCESS")
    problems += _expect("task runs", len(done.task_run_list), 4)
    problems += _expect("c attempts", _attempts(done, "c"), 2)
    states = {t.state.current.value for t in done.task_run_list}
    return problems + _expect("task run states", states, {"SUCCESS"})


def restart_local_errors(execution_id: str, timeout: float) -> Problems:
    copy = _restarted_copy(execution_id)
    problems = _is_restarted("restart", copy.state)
    problems += _expect("task runs after restart", len(copy.task_run_list), 4)
    done, found = _restart(execution_id, timeout)
    problems += found + _expect("state", done.state.current, "FAILED")
    problems += _expect("task runs", len(done.task_run_list), 5)
    return problems + _expect("failStep attempts", _attempts(done, "failStep"), 2)


def restart_pause_last_failed(execution_id: str, timeout: float) -> Problems:
    """ExecutionControllerTest.restartFromLastFailedWithPause."""
    copy = _restarted_copy(execution_id)
    runs = copy.task_run_list
    problems = _is_restarted("restart", copy.state, count=None)  # it was PAUSED on the way
    problems += _expect("task runs after restart", len(runs), 4)
    if len(runs) == 4:
        problems += _expect(
            "a, b",
            [(t.state.current.value, len(t.attempts)) for t in runs[:2]],
            [("SUCCESS", 1), ("SUCCESS", 1)],
        )
        problems += _expect(
            "pause", (runs[2].state.current.value, len(runs[2].attempts)), ("RUNNING", 0)
        )
        problems += _expect(
            "c", (runs[3].state.current.value, len(runs[3].attempts)), ("RESTARTED", 1)
        )
    done, found = _restart(execution_id, timeout)
    problems += found + _expect("task runs", len(done.task_run_list), 5)
    if len(done.task_run_list) == 5:
        attempts = [len(t.attempts) for t in done.task_run_list]
        problems += _expect("attempts", attempts, [1, 1, 0, 2, 1])
        paused = _history(done.task_run_list[2].state).count("PAUSED")
        problems += _expect("pause PAUSED histories", paused, 1)
    states = {t.state.current.value for t in done.task_run_list}
    return problems + _expect("task run states", states, {"SUCCESS"})


def restart_flowable(execution_id: str, timeout: float) -> Problems:
    """ExecutionServiceTest.restartFlowable(2): what restart gives, then the run it starts."""
    copy = _restarted_copy(execution_id)
    problems = _is_restarted("restart", copy.state)
    states = [t.state.current.value for t in copy.task_run_list]
    if states.count("RESTARTED") < 2 or states.count("RUNNING") < 2:
        problems.append(f"expected >1 RESTARTED and >1 RUNNING task runs, got {states}")
    done, found = _restart(execution_id, timeout)
    return problems + found + _expect("state after restart", done.state.current, "FAILED")


def replay_flowable(execution_id: str, timeout: float) -> Problems:
    """ExecutionServiceTest.replayFlowable: replay from 2_end."""
    first, fresh = _replayed_copy(execution_id, "2_end")
    problems = _is_restarted("replay", fresh.state)
    problems += _expect("task runs of the replay", len(fresh.task_run_list), 20)
    if len(fresh.task_run_list) == 20:
        problems += _expect("last", fresh.task_run_list[19].state.current.value, "RESTARTED")
        if fresh.task_run_list[1].id == first.task_run_list[1].id:
            problems.append("replay kept the task run ids")
    return problems + replay(execution_id, timeout)


def replay(execution_id: str, timeout: float) -> Problems:
    """RestartCaseTest.replay: the replay from 2_end is a child execution ending SUCCESS."""
    done, problems = _replay(execution_id, "2_end", timeout)
    return problems + _expect("replay state", done.state.current, "SUCCESS")


FOLLOW_UPS: dict[str, Callable[[str, float], Problems]] = {
    "valids/failed-first.yaml:default": restart_multiple,
    "valids/restart_always_failed.yaml:default": restart_always_failed,
    "valids/restart_last_failed.yaml:default": restart_last_failed,
    "valids/restart_local_errors.yaml:default": restart_local_errors,
    "valids/restart_pause_last_failed.yaml:default": restart_pause_last_failed,
    "valids/restart-each.yaml:restartFlowable": restart_flowable,
    "valids/restart-each.yaml:restartFlowable2": restart_flowable,
    "valids/restart-each.yaml:replayFlowable": replay_flowable,
    "valids/restart-each.yaml:replay": replay,
}


def follow_up(case_id: str, execution_id: str, timeout: float) -> Problems:
    """What a restart or replay scenario does after its first run; [] for the others."""
    action = FOLLOW_UPS.get(case_id)
    return action(execution_id, timeout) if action else []
