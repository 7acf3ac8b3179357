"""Scheduling the children of a flowable (or of the flow) and resolving its state when done."""

from __future__ import annotations

from datetime import datetime, timedelta

from executions.engine.context import Resolved, Run
from executions.engine.flowables import Children
from executions.engine.model import TaskRun
from executions.engine.plan import Node
from executions.states import State, allowed_state, final_state
from flows.spec.durations import parse_duration


def guess_state(runs: list[TaskRun], allow_failure: bool, allow_warning: bool) -> State:
    return allowed_state(final_state(t.state.current for t in runs), allow_failure, allow_warning)


def _enabled(items: list[Resolved]) -> list[Resolved]:
    return [r for r in items if not r.node.disabled]


def _key(task_run: TaskRun) -> tuple[str, str | None]:
    return task_run.task_id, task_run.value


def _terminal(runs: list[TaskRun]) -> int:
    return sum(1 for t in runs if t.state.current.is_terminal)


def _sequential(
    run: Run,
    current: list[Resolved],
    runs: list[TaskRun],
    parent: TaskRun | None,
    iteration: int | None = None,
) -> None:
    if len(runs) < len(current) and _terminal(runs) == len(runs):
        run.create(current[len(runs)], parent, iteration)


def _parallel(
    run: Run, current: list[Resolved], runs: list[TaskRun], parent: TaskRun | None, limit: int
) -> None:
    busy = len(runs) - _terminal(runs)
    slots = len(current) if limit <= 0 else limit - busy
    started = {_key(t) for t in runs}
    for resolved in current:
        if slots <= 0:
            break
        if (resolved.node.id, resolved.value) not in started:
            run.create(resolved, parent)
            slots -= 1


def _concurrent(
    run: Run, current: list[Resolved], runs: list[TaskRun], parent: TaskRun | None, limit: int
) -> None:
    """ForEach with a concurrency limit: values in parallel, each value's tasks in sequence."""
    groups: dict[str | None, list[Resolved]] = {}
    for resolved in current:
        groups.setdefault(resolved.value, []).append(resolved)
    by_value: dict[str | None, list[TaskRun]] = {}
    for task_run in runs:
        by_value.setdefault(task_run.value, []).append(task_run)
    active = 0
    waiting = []
    for value, group in groups.items():
        group_runs = by_value.get(value, [])
        if not group_runs:
            waiting.append(group)
            continue
        if _terminal(group_runs) < len(group_runs) or len(group_runs) < len(group):
            active += 1
        _sequential(run, group, group_runs, parent)
    slots = len(waiting) if limit <= 0 else limit - active
    for group in waiting[: max(slots, 0)]:
        run.create(group[0], parent)


def _dag(
    run: Run,
    current: list[Resolved],
    runs: list[TaskRun],
    parent: TaskRun | None,
    limit: int,
    depends: dict[str, list[str]],
) -> None:
    states = {t.task_id: t.state.current for t in runs}
    busy = len(runs) - _terminal(runs)
    slots = len(current) if limit <= 0 else limit - busy
    for resolved in current:
        if slots <= 0:
            break
        if resolved.node.id in states:
            continue
        needs = depends.get(resolved.node.id, [])
        if all(
            d in states and states[d] in (State.SUCCESS, State.WARNING, State.SKIPPED)
            for d in needs
        ):
            run.create(resolved, parent)
            slots -= 1


def step(run: Run, children: Children, parent: TaskRun | None, killing: bool) -> State | None:
    """Create the next children (Kestra's resolveNexts); the state once all is done, else None."""
    parent_id = parent.id if parent else None
    if children.tasks is None:
        run.log("WARN", "No task found to run (no case matches and no defaults)", parent)
        return allowed_state(State.FAILED, children.allow_failure, children.allow_warning)
    main = _enabled(children.tasks)
    errors = _enabled(children.errors)
    main_runs = run.runs_for(main, parent_id)
    error_runs = run.runs_for(errors, parent_id) if errors else []
    on_errors = bool(error_runs) or any(t.state.current.is_failed for t in main_runs)
    current, runs = (errors, error_runs) if on_errors else (main, main_runs)
    if current and not killing:
        if on_errors or children.mode == "sequential":
            _sequential(run, current, runs, parent)
        elif children.mode == "parallel":
            _parallel(run, current, runs, parent, children.limit)
        elif children.mode == "concurrent":
            _concurrent(run, current, runs, parent, children.limit)
        elif children.mode == "dag":
            _dag(run, current, runs, parent, children.limit, children.depends)
        runs = run.runs_for(current, parent_id)
        main_runs = run.runs_for(main, parent_id) if not on_errors else main_runs
    if _terminal(main_runs) < len(main_runs) or _terminal(error_runs) < len(error_runs):
        return None
    if _terminal(runs) < len(current):
        return None
    state = guess_state(main_runs, children.allow_failure, children.allow_warning)
    return _finally(run, children, parent, state, killing)


def _finally(
    run: Run, children: Children, parent: TaskRun | None, state: State, killing: bool
) -> State | None:
    final = _enabled(children.finally_)
    if not final:
        return state
    runs = run.runs_for(final, parent.id if parent else None)
    if _terminal(runs) < len(final):
        if not killing:
            _sequential(run, final, runs, parent)
        return None
    return final_state([state, *(t.state.current for t in runs)])


def step_loop(
    run: Run, node: Node, children: Children, task_run: TaskRun, killing: bool
) -> State | None:
    """WaitFor / LoopUntil: run the tasks, check the condition, wait, run them again."""
    spec = node.spec
    state = task_run.flowable or {"iteration": 1}
    iteration = int(state.get("iteration", 1))
    main = _enabled(children.tasks or [])
    all_runs = run.runs_for(main, task_run.id)
    if any(t.state.current.is_failed for t in all_runs) or killing:
        return step(run, children, task_run, killing)
    if _terminal(all_runs) < len(all_runs):
        return None
    runs = [t for t in all_runs if t.iteration == iteration]
    if len(runs) < len(main):
        due = state.get("next_at")
        if due and datetime.fromisoformat(due) > run.now:
            run.wake(datetime.fromisoformat(due))
            return None
        _sequential(run, main, runs, task_run, iteration)
        return None
    from executions.engine.variables import task_variables

    context = task_variables(run, node, task_run)
    # WaitFor loops until its condition holds (waitfor-multiple-tasks stops at count == 4).
    if run.renderer.is_true(str(spec.get("condition", "false")), context):
        return guess_state(all_runs, children.allow_failure, children.allow_warning)
    frequency = spec.get("checkFrequency") or {}
    max_iterations = int(frequency.get("maxIterations", 100))
    max_duration = parse_duration(frequency.get("maxDuration", "PT1H"))
    started = task_run.state.histories[0].date
    if iteration >= max_iterations or started + max_duration < run.now:
        run.log("WARN", "Max iterations or duration reached", task_run)
        if spec.get("failOnMaxReached"):
            return State.FAILED
        return guess_state(all_runs, children.allow_failure, children.allow_warning)
    interval = parse_duration(frequency.get("interval", "PT1S"))
    due_at = run.now + max(interval, timedelta(0))
    task_run.flowable = {"iteration": iteration + 1, "next_at": due_at.isoformat()}
    run.set_outputs(task_run, {"iterationCount": iteration + 1})
    run.wake(due_at)
    return None
