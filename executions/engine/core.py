"""process(): apply the events, then decide until nothing more can move in this call."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from executions.engine import sla, working_directory
from executions.engine.branches import step, step_loop
from executions.engine.context import Resolved, Run
from executions.engine.events import Event, KillJob, Outcome
from executions.engine.flowables import Children, children
from executions.engine.foreach_item import child_ids
from executions.engine.groups import WorkerGroups
from executions.engine.model import Execution, IdFactory, TaskRun, change_state, new_id, utcnow
from executions.engine.plan import FlowPlan, compile_flow
from executions.engine.results import apply, unpause_execution
from executions.engine.starting import dispatch, is_render_error, start, start_subflow
from executions.engine.variables import task_variables
from executions.states import State

MAX_PASSES = 10_000


def default_renderer() -> Any:
    try:
        from executions.templating import Functions, Renderer
    except ImportError:  # the package's __init__ is not there yet
        from executions.templating.renderer import Functions, Renderer
    return Renderer(Functions())


def process(
    flow: Any,
    execution: Execution,
    events: Iterable[Event] = (),
    now: datetime | None = None,
    *,
    renderer: Any = None,
    ids: IdFactory | None = None,
    envs: dict[str, Any] | None = None,
    globals: dict[str, Any] | None = None,
    worker_groups: WorkerGroups | None = None,
) -> Outcome:
    """Apply `events` to `execution` (mutated in place) and decide what happens next.

    `flow` is a FlowPlan (compile_flow: do it once per flow revision), a flows.spec Flow or
    its Kestra JSON. Raises InvalidResume (nothing is applied) on bad resume inputs.
    `worker_groups` gives namespace default groups and which groups have a live worker.
    """
    plan = compile_flow(flow)
    run = Run(
        plan,
        execution,
        now or utcnow(),
        renderer or default_renderer(),
        ids or new_id,
        {"envs": envs or {}, "globals": globals or {}, "worker_groups": worker_groups},
    )
    for event in events:
        apply(run, event)
    sla.check(run)
    for _ in range(MAX_PASSES):
        run.progress = False
        _pass(run)
        if not run.progress:
            break
    _timers(run, fire=False)
    sla.wake(run)
    return run.finish()


def _open(run: Run) -> list[TaskRun]:
    return [t for t in run.execution.task_run_list if not t.state.current.is_terminal]


def _pass(run: Run) -> None:
    state = run.execution.state.current
    if state.is_terminal or state is State.QUEUED:
        return
    if state is State.KILLING:
        _kill_pass(run)
        return
    if state is State.PAUSED and not any(t.state.current.is_paused for t in _open(run)):
        return  # paused by a user: nothing moves until Resume
    _timers(run, fire=True)
    for task_run in _open(run):
        if run.execution.state.current is State.KILLING:
            return  # a workerGroup fallback CANCEL: the next pass stops the rest
        current = task_run.state.current
        if current.is_created:
            start(run, task_run)
        elif current is State.RUNNING:
            node = run.node_of(task_run)
            if node.kind == "flowable":
                _step_flowable(run, task_run)
    if run.execution.state.current is not State.KILLING:
        _step_root(run)


def _step_flowable(run: Run, task_run: TaskRun) -> None:
    node = run.node_of(task_run)
    if working_directory.waiting(node, task_run):
        return  # its children run on a worker, in one job
    plan = children(node, task_run)
    try:
        if plan.mode == "loop":
            state = step_loop(run, node, plan, task_run, killing=False)
        else:
            state = step(run, plan, task_run, killing=False)
    except Exception as error:
        if not is_render_error(error):
            raise
        run.log("ERROR", str(error), task_run)
        state = State.FAILED
    if state is not None:
        run.set_state(task_run, state)


def _root(plan: FlowPlan) -> Children:
    cached = plan.cache.get("root")
    if cached is None:
        cached = plan.cache["root"] = _build_root(plan)
    return cached


def _build_root(plan: FlowPlan) -> Children:
    return Children(
        [Resolved(n) for n in plan.tasks],
        [Resolved(n) for n in plan.errors],
        [Resolved(n) for n in plan.finally_],
    )


def _step_root(run: Run) -> None:
    plan = run.plan
    state = step(run, _root(plan), None, killing=False)
    if state is None:
        return
    after = [Resolved(n) for n in plan.after_execution if not n.disabled]
    if after:
        runs = run.runs_for(after, None)
        if any(not t.state.current.is_terminal for t in runs):
            return
        if len(runs) < len(after):
            run.create(after[len(runs)], None)
            return
    _end(run, state)


def _end(run: Run, state: State) -> None:
    """The execution's final state and its rendered, typed flow outputs."""
    declared = run.plan.outputs
    if declared and state is not State.KILLED:
        context = task_variables(run, None, None)
        try:
            run.execution.outputs = {
                item["id"]: _typed(
                    item.get("type", "STRING"), _render(run, item.get("value"), context)
                )
                for item in declared
            }
        except Exception as error:
            if not is_render_error(error):
                raise
            run.log("ERROR", f"Failed to render output values: {error}")
            state = State.FAILED
    run.set_execution_state(state)


def _render(run: Run, value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return run.renderer.render(value, context)
    return run.renderer.render_value(value, context)


def _typed(kind: str, value: Any) -> Any:
    """Flow outputs typed as declared (Kestra's typedOutputs), strings parsed when needed."""
    kind = str(kind).upper()
    if kind == "STRING":
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if not isinstance(value, str):
        return value
    if kind == "INT":
        return int(value)
    if kind == "FLOAT":
        return float(value)
    if kind == "BOOLEAN":
        return value.strip().lower() == "true"
    if kind in ("JSON", "ARRAY", "MULTISELECT"):
        return json.loads(value)
    return value


def _timers(run: Run, fire: bool) -> None:
    """Fire what is due (retries, pause delays and timeouts); always note the next wake-up."""
    now = run.now
    for task_run in _open(run):
        current = task_run.state.current
        if current is State.RETRYING and task_run.next_retry_date is not None:
            if fire and task_run.next_retry_date <= now:
                _retry_now(run, task_run)
            else:
                run.wake(task_run.next_retry_date)
        elif current is State.PAUSED and task_run.resume_date is not None:
            if fire and task_run.resume_date <= now:
                target = task_run.resume_state or State.RUNNING
                task_run.resume_date = None
                task_run.resume_state = None
                run.set_state(task_run, target)
                unpause_execution(run)
            else:
                run.wake(task_run.resume_date)
        elif current is State.RUNNING and task_run.flowable and task_run.flowable.get("next_at"):
            run.wake(datetime.fromisoformat(task_run.flowable["next_at"]))


def _retry_now(run: Run, task_run: TaskRun) -> None:
    node = run.node_of(task_run)
    task_run.next_retry_date = None
    if node.kind == "executable":
        start_subflow(run, node, task_run, task_variables(run, node, task_run))
    else:
        dispatch(run, node, task_run)


def _kill_pass(run: Run) -> None:
    """KILLING: stop what runs, kill what waits; KILLED once every task run has ended."""
    for task_run in reversed(_open(run)):
        current = task_run.state.current
        node = run.node_of(task_run)
        if current is State.RUNNING and (
            node.kind == "runnable" or working_directory.waiting(node, task_run)
        ):
            run.set_state(task_run, State.KILLING)
            run.outcome.kill_jobs.append(
                KillJob(task_run.id, run.execution.id, attempt=len(task_run.attempts))
            )
        elif current is State.RUNNING and node.kind == "executable":
            single = (task_run.flowable or {}).get("executionId")
            for child in [single] if single else child_ids(task_run):
                run.outcome.kill_jobs.append(
                    KillJob(task_run.id, run.execution.id, child_execution_id=child)
                )
            change_state(task_run.attempts[-1], State.KILLED, run.now)
            run.set_state(task_run, State.KILLED)
        elif (
            current in (State.RUNNING, State.KILLING)
            and node.kind == "flowable"
            and not working_directory.waiting(node, task_run)
        ):
            kids = run.children.get(task_run.id, [])
            if all(k.state.current.is_terminal for k in kids):
                run.set_state(task_run, State.KILLED)
            else:
                run.set_state(task_run, State.KILLING)
        elif current is not State.KILLING:
            run.set_state(task_run, State.KILLED)
    if not _open(run):
        # a workerGroup fallback CANCEL cancelled a task run: the execution ends CANCELLED
        cancelled = any(t.state.current is State.CANCELLED for t in run.execution.task_run_list)
        run.set_execution_state(State.CANCELLED if cancelled else State.KILLED)
