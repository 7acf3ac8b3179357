"""Worker groups: which group a runnable task goes to, and what happens when none is up.

A task's `workerGroup.key` wins, then the flow's `workerGroup.key`, then the longest namespace
prefix of the caller's defaults, else the default group. When no live worker serves the group,
`workerGroup.fallback` (the task's, else the flow's) decides as in Kestra EE: WAIT (default)
keeps the job queued and says why on the task run, FAIL fails the task run, CANCEL cancels the
execution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from executions.engine.context import Run
from executions.engine.events import KillJob
from executions.engine.model import TaskRun, change_state
from executions.engine.plan import Node
from executions.states import State

WAIT, FAIL, CANCEL = "WAIT", "FAIL", "CANCEL"


@dataclass(frozen=True, slots=True)
class WorkerGroups:
    """What the caller knows about worker groups (process(..., worker_groups=...)).

    `available(queue)` says whether a live worker serves a queue; None means "do not check"
    (every group is taken as served). `executor_types` are task types the executor runs
    itself: they never go to a worker group.
    """

    namespace_defaults: Mapping[str, str] = field(default_factory=dict)
    default: str = "default"
    available: Callable[[str], bool] | None = None
    executor_types: frozenset[str] = frozenset()


def of(run: Run) -> WorkerGroups:
    """The caller's worker-group knowledge for this call (see process())."""
    config = run.extra.get("worker_groups")
    return config if isinstance(config, WorkerGroups) else WorkerGroups()


def _declared(spec: Any) -> dict[str, Any]:
    return spec if isinstance(spec, dict) else {}


def namespace_group(defaults: Mapping[str, str], namespace: str) -> str | None:
    """The group of the longest namespace prefix (`company` covers `company.team`)."""
    best: tuple[int, str] | None = None
    for prefix, group in defaults.items():
        if namespace == prefix or namespace.startswith(prefix + "."):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), group)
    return best[1] if best else None


def resolve(run: Run, node: Node, groups: WorkerGroups) -> tuple[str | None, str]:
    """(group key or None for the default group, fallback) of a runnable task."""
    if node.type in groups.executor_types:
        return None, WAIT
    task = _declared(node.spec.get("workerGroup"))
    flow = _declared(run.plan.source.get("workerGroup"))
    key = (
        task.get("key")
        or flow.get("key")
        or namespace_group(groups.namespace_defaults, run.execution.namespace)
    )
    fallback = str(task.get("fallback") or flow.get("fallback") or WAIT).upper()
    return (str(key) if key else None), fallback


def recheck(run: Run, task_run: TaskRun, queue: str) -> None:
    """The sweeper found the current attempt's queue without a live worker: apply the
    fallback now (the group lost its last worker while the job waited)."""
    node = run.node_of(task_run)
    _, fallback = resolve(run, node, of(run))
    unavailable(run, node, task_run, fallback, queue)


def waiting_reason(queue: str) -> str:
    return f"waiting: no worker subscribed to queue {queue}"


def unavailable(run: Run, node: Node, task_run: TaskRun, fallback: str, queue: str) -> bool:
    """Apply the fallback to a task run whose group has no live worker; True when the job
    should still be sent (WAIT), False when the task run has ended (FAIL, CANCEL)."""
    if fallback == FAIL:
        message = f"No workers are available for worker group '{queue}', failing the task."
        task_run.status_reason = message
        _stop(run, task_run, State.FAILED, message, "ERROR")
        return False
    if fallback == CANCEL:
        message = f"No workers are available for worker group '{queue}', canceling the task."
        task_run.status_reason = message
        _stop(run, task_run, State.CANCELLED, message, "INFO")
        if not run.execution.state.current.is_terminal:
            run.set_execution_state(State.KILLING)  # the kill pass ends it CANCELLED
        return False
    reason = waiting_reason(queue)
    if task_run.status_reason != reason:  # no log line: the reason is on the task run
        task_run.status_reason = reason
        run.mark(task_run)
    return True


def _stop(run: Run, task_run: TaskRun, state: State, message: str, level: str) -> None:
    run.log(level, message, task_run)
    if task_run.attempts and task_run.attempts[-1].state.current is State.RUNNING:
        change_state(task_run.attempts[-1], state, run.now)
        # its job may sit in the queue: revoke it (a late result is dropped anyway)
        run.outcome.kill_jobs.append(
            KillJob(task_run.id, run.execution.id, attempt=len(task_run.attempts))
        )
    if task_run.state.current.is_created:
        run.set_state(task_run, State.RUNNING)
    run.set_state(task_run, state)
