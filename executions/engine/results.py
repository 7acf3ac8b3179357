"""Applying events to the snapshot: worker and subflow results, kill, pause, resume."""

from __future__ import annotations

from typing import Any

from executions.engine import foreach_item, working_directory
from executions.engine.context import Run
from executions.engine.events import (
    Event,
    Kill,
    NewExecutionRequest,
    Pause,
    Resume,
    SubflowResult,
    WorkerLost,
    WorkerResult,
    WorkerStarted,
    WorkerUnavailable,
)
from executions.engine.groups import recheck
from executions.engine.model import TaskRun, change_state
from executions.engine.plan import FOREACH_ITEM_EXECUTABLE, PAUSE, WORKING_DIRECTORY, Node
from executions.engine.retry import (
    RETRY_FAILED_TASK,
    behavior,
    next_execution_date,
    next_retry_date,
    policy_for,
)
from executions.engine.starting import dispatch
from executions.states import State, allowed_state


class InvalidResume(ValueError):
    """Resume inputs that do not match the Pause's onResume declaration."""


def apply(run: Run, event: Event) -> None:
    if isinstance(event, WorkerResult):
        _worker_result(run, event)
    elif isinstance(event, SubflowResult):
        _subflow_result(run, event)
    elif isinstance(event, WorkerStarted):
        task_run = _current(run, event.task_run_id, event.attempt, event)
        if task_run is not None:
            task_run.attempts[-1].worker_id = event.worker_id
            task_run.status_reason = None
            run.mark(task_run)
    elif isinstance(event, WorkerLost):
        _worker_lost(run, event)
    elif isinstance(event, WorkerUnavailable):
        task_run = _current(run, event.task_run_id, event.attempt, event)
        if task_run is not None and task_run.state.current is State.RUNNING:
            recheck(run, task_run, event.queue)
    elif isinstance(event, Kill):
        if not run.execution.state.current.is_terminal:
            run.set_execution_state(State.KILLING)
    elif isinstance(event, Pause):
        if run.execution.state.current is State.RUNNING:
            run.set_execution_state(State.PAUSED)
    elif isinstance(event, Resume):
        _resume(run, event)


def _drop(run: Run, event: Any, reason: str) -> None:
    run.outcome.dropped.append(
        f"{type(event).__name__} {getattr(event, 'task_run_id', '')}: {reason}"
    )
    run.log("DEBUG", f"Dropped {type(event).__name__}: {reason}")


def _current(run: Run, task_run_id: str, attempt: int, event: Any) -> TaskRun | None:
    """The task run if the event is about its current, unfinished attempt; else drop it."""
    task_run = run.by_id.get(task_run_id)
    if task_run is None:
        _drop(run, event, "unknown task run")
        return None
    if task_run.state.current.is_terminal:
        _drop(run, event, f"task run already {task_run.state.current.value}")
        return None
    if attempt != len(task_run.attempts) or task_run.attempts[-1].state.current.is_terminal:
        _drop(run, event, f"attempt {attempt} is not the current one")
        return None
    return task_run


def _worker_result(run: Run, event: WorkerResult) -> None:
    task_run = _current(run, event.task_run_id, event.attempt, event)
    if task_run is None:
        return
    state = State(event.state)
    if not state.is_terminal:
        return
    task_run.status_reason = None
    node = run.node_of(task_run)
    if node.type == WORKING_DIRECTORY:
        working_directory.apply_result(run, node, task_run, event)
        return
    change_state(task_run.attempts[-1], state, run.now)
    if event.outputs is not None:
        run.set_outputs(task_run, event.outputs)
    if event.error:
        run.log("ERROR", event.error, task_run)
    end_attempt(run, run.node_of(task_run), task_run, state)


def end_attempt(run: Run, node: Node, task_run: TaskRun, state: State) -> None:
    """An attempt ended: retry it, or end the task run (allowFailure / allowWarning applied)."""
    killing = run.execution.state.current is State.KILLING
    policy = policy_for(run.plan, node)
    if state is State.FAILED and policy and not killing:
        if behavior(policy) == RETRY_FAILED_TASK:
            date = next_retry_date(policy, task_run)
            if date is not None:
                task_run.next_retry_date = date
                run.set_state(task_run, State.RETRYING)
                run.wake(date)
                return
        else:
            execution = run.execution
            date = next_execution_date(
                policy, execution.attempt_number, execution.state.histories[0].date, run.now
            )
            if date is not None:
                run.set_state(task_run, State.RETRIED)
                run.set_execution_state(State.RETRIED)
                run.outcome.new_execution_requests.append(
                    NewExecutionRequest(
                        original_execution_id=execution.original_id or execution.id,
                        namespace=execution.namespace,
                        flow_id=execution.flow_id,
                        revision=execution.flow_revision,
                        inputs=execution.inputs,
                        labels=list(execution.labels),
                        attempt_number=execution.attempt_number + 1,
                        date=date,
                    )
                )
                return
    if (
        state is State.SUCCESS
        and len(task_run.attempts) > 1
        and policy
        and policy.get("warningOnRetry")
    ):
        state = State.WARNING
    task_run.next_retry_date = None
    run.set_state(task_run, allowed_state(state, node.allow_failure, node.allow_warning))


def _worker_lost(run: Run, event: WorkerLost) -> None:
    task_run = _current(run, event.task_run_id, event.attempt, event)
    if task_run is None:
        return
    change_state(task_run.attempts[-1], State.RESUBMITTED, run.now)
    if run.execution.state.current is State.KILLING:
        run.set_state(task_run, State.KILLED)
        return
    run.set_state(task_run, State.RESUBMITTED)
    node = run.node_of(task_run)
    if node.type == WORKING_DIRECTORY:
        working_directory.start_working_directory(run, node, task_run)
    else:
        dispatch(run, node, task_run)


def _subflow_state(node: Node, child: State) -> State:
    """ExecutableUtils.guessState: the parent task run's state from its child's."""
    transmit = node.spec.get("transmitFailed", True) is not False
    if transmit and child in (State.FAILED, State.PAUSED, State.KILLED, State.WARNING):
        state = State.WARNING if node.allow_failure and child is State.FAILED else child
        return State.SUCCESS if state is State.WARNING and node.allow_warning else state
    return State.SUCCESS


def _subflow_result(run: Run, event: SubflowResult) -> None:
    task_run = run.by_id.get(event.task_run_id)
    if task_run is None or task_run.state.current.is_terminal:
        _drop(run, event, "unknown or finished task run")
        return
    node = run.node_of(task_run)
    if node.type == FOREACH_ITEM_EXECUTABLE:
        if not foreach_item.child_result(run, node, task_run, event):
            _drop(run, event, "not a child execution of this task run")
        return
    if (task_run.flowable or {}).get("executionId") != event.child_execution_id:
        _drop(run, event, "result of a superseded child execution")
        return
    child = State(event.state)
    state = _subflow_state(node, child)
    if event.error is not None:
        run.log("ERROR", event.error, task_run)
        state = allowed_state(State.FAILED, node.allow_failure, node.allow_warning)
    outputs: dict[str, Any] = {"executionId": event.child_execution_id, "state": child.value}
    declared = node.spec.get("outputs")
    if declared and event.child_variables is not None:
        try:
            outputs["outputs"] = run.renderer.render_value(declared, event.child_variables)
        except Exception as error:
            run.log("WARN", f"Failed to extract outputs with the error: '{error}'", task_run)
            state = allowed_state(State.FAILED, node.allow_failure, node.allow_warning)
    elif event.outputs is not None:
        outputs["outputs"] = event.outputs
    run.set_outputs(task_run, outputs)
    change_state(task_run.attempts[-1], state, run.now)
    end_attempt(run, node, task_run, state)


def resume_inputs(node: Node, given: dict[str, Any] | None) -> dict[str, Any]:
    """Check resume inputs against the Pause's onResume: required ones, defaults added."""
    given = dict(given or {})
    result: dict[str, Any] = {}
    for declared in node.spec.get("onResume") or []:
        key = declared["id"]
        value = given.get(key, declared.get("defaults"))
        if value is None and declared.get("required", True):
            raise InvalidResume(
                f"Invalid input for `{key}`, missing required input, but received `null`"
            )
        result[key] = value
    return result


def _resume(run: Run, event: Resume) -> None:
    if event.task_run_id is not None:
        task_run = run.by_id.get(event.task_run_id)
        targets = [task_run] if task_run is not None else []
    else:
        targets = [t for t in run.execution.task_run_list if t.state.current.is_paused]
    for task_run in targets:
        if not task_run.state.current.is_paused:
            _drop(run, event, "task run is not paused")
            continue
        node = run.node_of(task_run)
        if node.type == PAUSE and node.spec.get("onResume"):
            run.set_outputs(task_run, {"onResume": resume_inputs(node, event.inputs)})
        task_run.resume_date = None
        task_run.resume_state = None
        run.set_state(task_run, State.RUNNING)
    unpause_execution(run)


def unpause_execution(run: Run) -> None:
    if run.execution.state.current is State.PAUSED and not any(
        t.state.current.is_paused for t in run.execution.task_run_list
    ):
        run.set_execution_state(State.RUNNING)
