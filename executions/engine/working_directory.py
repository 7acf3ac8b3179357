"""WorkingDirectory: its tasks run on one worker, in order, in one directory; the engine decides.

As in Kestra (Worker.handleTask), the whole WorkingDirectory is one worker job: the job's task
is the WorkingDirectory's spec with `tasks` replaced by its enabled children as compiled
(plugin defaults applied). The worker prepares the directory (cache, namespace files,
`inputFiles`), runs the children in order until one fails (a child with `allowFailure` does
not stop it), captures `outputFiles` and the cache, then sends ONE result for the
WorkingDirectory's attempt whose `children` list each child it ran: the task run id it chose,
task id, state, outputs, error and dates. Applying that result here creates the children's task
runs (each with its own attempt, state and outputs; `allowFailure` / `allowWarning` applied)
and ends the attempt. From then on the WorkingDirectory is a sequential flowable like any
other: its state comes from its children, a failed child starts its `errors` branch (those
tasks run as ordinary worker jobs, outside the directory), then `finally`. One result rather
than one per child keeps the result order-proof (results may reach different executor
processes in any order); children appear when the job ends. A job that fails by itself
(preparing the directory, capturing files) or is killed ends the WorkingDirectory at once.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from executions.engine.context import Resolved, Run
from executions.engine.events import WorkerResult
from executions.engine.model import Attempt, History, StateInfo, TaskRun
from executions.engine.plan import WORKING_DIRECTORY, Node
from executions.states import State, allowed_state


def job_node(node: Node) -> Node:
    """The node whose spec is the worker job's task: the children as compiled."""
    spec = dict(node.spec, tasks=[child.spec for child in node.enabled("tasks")])
    return dataclasses.replace(node, spec=spec)


def start_working_directory(
    run: Run, node: Node, task_run: TaskRun, context: dict[str, Any] | None = None
) -> None:
    """Send the whole WorkingDirectory to one worker (a new attempt)."""
    from executions.engine.starting import dispatch

    dispatch(run, job_node(node), task_run, context)


def waiting(node: Node, task_run: TaskRun) -> bool:
    """True while the WorkingDirectory's job runs on a worker (or waits for one)."""
    if node.type != WORKING_DIRECTORY or not task_run.attempts:
        return False
    return not task_run.attempts[-1].state.current.is_terminal


def _date(value: Any, default: datetime) -> datetime:
    if not isinstance(value, str):
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default


def _child(run: Run, parent: TaskRun, report: dict[str, Any]) -> TaskRun | None:
    node = run.plan.nodes.get(str(report.get("taskId")))
    if node is None or node.parent is None or node.parent.id != parent.task_id:
        run.log("WARN", f"Unknown task in the WorkingDirectory result: {report.get('taskId')}")
        return None
    try:
        reported = State(report.get("state"))
    except ValueError:
        reported = State.FAILED
    if not reported.is_terminal:
        reported = State.FAILED
    state = allowed_state(reported, node.allow_failure, node.allow_warning)
    start = _date(report.get("startDate"), run.now)
    end = max(_date(report.get("endDate"), run.now), start)
    task_run = run.create(Resolved(node), parent, task_run_id=report.get("id") or None)
    history = [History(State.CREATED, start), History(State.RUNNING, start)]
    task_run.state = StateInfo(state, [*history, History(state, end)])
    attempt = [History(State.RUNNING, start), History(reported, end)]
    task_run.attempts = [Attempt(StateInfo(reported, attempt))]
    if report.get("outputs") is not None:
        run.set_outputs(task_run, report["outputs"])
    if report.get("error"):
        run.log("ERROR", str(report["error"]), task_run)
    return task_run


def apply_result(run: Run, node: Node, task_run: TaskRun, event: WorkerResult) -> None:
    """The job ended: record each child it ran, then end the attempt."""
    from executions.engine.model import change_state

    state = State(event.state)
    existing = {t.id for t in run.children.get(task_run.id, ())}
    children = [
        child
        for report in event.children or []
        if str(report.get("id")) not in existing and (child := _child(run, task_run, report))
    ]
    change_state(task_run.attempts[-1], state, run.now)
    if event.outputs is not None:
        run.set_outputs(task_run, event.outputs)
    if event.error:
        run.log("ERROR", event.error, task_run)
    run.mark(task_run)
    failed_child = any(c.state.current.is_failed for c in children)
    if state is State.KILLED:
        run.set_state(task_run, State.KILLED)
    elif state is State.FAILED and not failed_child:
        # the directory itself failed (preparing it, capturing files): no errors branch runs
        run.set_state(task_run, allowed_state(State.FAILED, node.allow_failure, node.allow_warning))
