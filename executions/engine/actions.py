"""Restart, replay and change-task-run-state: pure transforms of a terminated execution snapshot.

They follow Kestra's ExecutionService (restart, replay, markAs): the task runs to run again and
their ancestors are set back (runnables to RESTARTED, which the engine starts as a new attempt;
flowables to RUNNING), what came after them is dropped, and the execution goes RESTARTED then
RUNNING (our engine, like Kestra's executor `handleRestart`, never runs a RESTARTED execution).
Error, finally and afterExecution task runs under the restarted branches are dropped so that
they run again when needed. Every state change walks the transition table (`move`).
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from executions.engine.model import (
    Attempt,
    Execution,
    HasState,
    IdFactory,
    StateInfo,
    TaskRun,
    change_state,
)
from executions.engine.plan import WORKING_DIRECTORY, FlowPlan
from executions.states import TRANSITIONS, IllegalTransition, State

RESTARTABLE = (State.FAILED, State.KILLED)
MARKABLE = (State.SUCCESS, State.WARNING, State.FAILED)
# Branches that run after the main tasks of their parent (or of the flow).
AFTER_BRANCHES = ("errors", "finally", "afterExecution")
# Preferred steps when walking the transition table, so the path is the same every time.
_PREFERRED = [State.RESTARTED, State.RUNNING, *State]


class ActionError(ValueError):
    """A transform refused: `conflict` when the execution is in the wrong state (409),
    otherwise bad input (422) naming `path`."""

    def __init__(self, message: str, *, path: str = "", conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.conflict = conflict


@dataclass
class Changes:
    """Task runs changed (to update) and removed (to delete) by a transform."""

    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


def _path(current: State, target: State) -> list[State]:
    """The shortest walk through the transition table (breadth first, fixed preferences)."""
    previous: dict[State, State | None] = {current: None}
    queue = deque([current])
    while queue:
        state = queue.popleft()
        if state is target:
            steps = []
            while previous[state] is not None:
                steps.append(state)
                state = previous[state]  # type: ignore[assignment]
            return steps[::-1]
        for nxt in sorted(TRANSITIONS[state], key=_PREFERRED.index):
            if nxt not in previous:
                previous[nxt] = state
                queue.append(nxt)
    raise IllegalTransition(current, target)


def move(holder: HasState, target: State, now: datetime) -> bool:
    """Bring a state to `target` through allowed transitions, recording each step."""
    steps = _path(holder.state.current, target)
    for state in steps:
        change_state(holder, state, now)
    return bool(steps)


def _branch_names(plan: FlowPlan) -> dict[str, str]:
    """task id -> the branch holding it under its parent ("tasks", "errors", "finally", ...)."""
    cached = plan.cache.get("action_branches")
    if cached is not None:
        return cached
    names: dict[str, str] = {}
    for name, nodes in (
        ("tasks", plan.tasks),
        ("errors", plan.errors),
        ("finally", plan.finally_),
        ("afterExecution", plan.after_execution),
    ):
        for node in nodes:
            names[node.id] = name
    for node in plan.nodes.values():
        for name, children in node.branches.items():
            for child in children:
                names[child.id] = name
    plan.cache["action_branches"] = names
    return names


class _Tree:
    """Parent/child indexes over the task runs of one snapshot."""

    def __init__(self, plan: FlowPlan, execution: Execution) -> None:
        self.plan = plan
        self.runs = execution.task_run_list
        self.by_id = {t.id: t for t in self.runs}
        self.branches = _branch_names(plan)

    def ancestors(self, task_run: TaskRun) -> list[TaskRun]:
        chain = []
        parent_id = task_run.parent_task_run_id
        while parent_id is not None and parent_id in self.by_id:
            parent = self.by_id[parent_id]
            chain.append(parent)
            parent_id = parent.parent_task_run_id
        return chain

    def is_after_branch(self, task_run: TaskRun) -> bool:
        return self.branches.get(task_run.task_id) in AFTER_BRANCHES

    def kind(self, task_run: TaskRun) -> str:
        node = self.plan.nodes.get(task_run.task_id)
        if node is None:
            raise ActionError(
                f"Task {task_run.task_id} is not in revision {self.plan.revision} of the flow",
                path="revision",
            )
        return "working" if node.type == WORKING_DIRECTORY else node.kind

    def prune(self, drop: set[str]) -> list[str]:
        """Drop these task runs and everything under them; returns the ids removed."""
        removed = []
        for task_run in self.runs:  # parents come before their children
            if task_run.id in drop or task_run.parent_task_run_id in drop:
                drop.add(task_run.id)
                removed.append(task_run.id)
        return removed


def _require_terminal(execution: Execution, verb: str) -> None:
    current = execution.state.current
    if not current.is_terminal:
        raise ActionError(
            f"Execution must be terminated to be {verb}, current state is '{current.value}'",
            path="state",
            conflict=True,
        )


def _reset(tree: _Tree, chain: list[TaskRun], removed: set[str], now: datetime) -> list[str]:
    """Runnables (and WorkingDirectory) back to RESTARTED, flowables with children to RUNNING."""
    has_children = {t.parent_task_run_id for t in tree.runs if t.id not in removed}
    changed = []
    for task_run in chain:
        kind = tree.kind(task_run)
        wanted = (
            State.RUNNING if kind == "flowable" and task_run.id in has_children else State.RESTARTED
        )
        try:
            move(task_run, wanted, now)
        except IllegalTransition as error:
            raise ActionError(
                f"Task run {task_run.id} ({task_run.task_id}) cannot be run again from "
                f"{task_run.state.current.value}",
                path="taskRunId",
            ) from error
        task_run.next_retry_date = None
        task_run.resume_date = None
        task_run.resume_state = None
        changed.append(task_run.id)
    return changed


def _restart_execution(execution: Execution, now: datetime, *, next_attempt: bool = True) -> None:
    try:
        move(execution, State.RESTARTED, now)
    except IllegalTransition as error:
        raise ActionError(
            f"Execution in state {execution.state.current.value} cannot be restarted",
            path="state",
            conflict=True,
        ) from error
    move(execution, State.RUNNING, now)
    if next_attempt:
        execution.attempt_number += 1


def _drop_after_branches(tree: _Tree, levels: set[str | None]) -> set[str]:
    """error/finally/afterExecution task runs directly under these parents (None: the flow)."""
    return {t.id for t in tree.runs if t.parent_task_run_id in levels and tree.is_after_branch(t)}


def _chain_of(tree: _Tree, targets: list[TaskRun]) -> list[TaskRun]:
    """The targets and their ancestors, in task-run order, each once."""
    wanted = {t.id for t in targets}
    for task_run in targets:
        wanted.update(a.id for a in tree.ancestors(task_run))
    return [t for t in tree.runs if t.id in wanted]


def _apply(
    tree: _Tree, execution: Execution, chain: list[TaskRun], drop: set[str], now: datetime
) -> Changes:
    drop |= _drop_after_branches(tree, {None, *(t.id for t in chain)})
    for task_run in chain:  # a WorkingDirectory runs again as a whole
        if tree.kind(task_run) == "working":
            drop.update(t.id for t in tree.runs if t.parent_task_run_id == task_run.id)
    chain_ids = {t.id for t in chain}
    drop -= chain_ids
    removed = tree.prune(drop)
    gone = set(removed)
    execution.task_run_list = [t for t in execution.task_run_list if t.id not in gone]
    tree.runs = execution.task_run_list
    changed = _reset(tree, [t for t in chain if t.id not in gone], gone, now)
    return Changes(changed=changed, removed=removed)


def restart(plan: FlowPlan, execution: Execution, now: datetime) -> Changes:
    """Kestra's restart, on the same execution: failed (and killed) task runs run again."""
    _require_terminal(execution, "restarted")
    tree = _Tree(plan, execution)
    targets = [
        t
        for t in tree.runs
        if t.state.current in RESTARTABLE
        and not any(tree.is_after_branch(a) for a in [t, *tree.ancestors(t)])
    ]
    if not targets:
        raise ActionError("No task found to restart execution from!", path="execution")
    changes = _apply(tree, execution, _chain_of(tree, targets), set(), now)
    _restart_execution(execution, now)
    changes.logs.append("Flow restarted")
    return changes


def mark_as(
    plan: FlowPlan, execution: Execution, now: datetime, task_run_id: str, state: State
) -> Changes:
    """Kestra's markAs: set one task run's state (and its last attempt's), then carry on."""
    _require_terminal(execution, "changed")
    if state not in MARKABLE:
        raise ActionError(
            f"A task run can be set to {', '.join(s.value for s in MARKABLE)}, not {state.value}",
            path="state",
        )
    tree = _Tree(plan, execution)
    target = tree.by_id.get(task_run_id)
    if target is None:
        raise ActionError(f"No task run {task_run_id} in this execution", path="taskRunId")
    chain = tree.ancestors(target)[::-1]
    changes = _apply(tree, execution, chain, set(), now)
    try:
        move(target, state, now)
        if target.attempts:
            move(target.attempts[-1], state, now)
    except IllegalTransition as error:
        raise ActionError(str(error), path="state") from error
    changes.changed.append(target.id)
    _restart_execution(execution, now, next_attempt=False)
    changes.logs.append(f"Task run {target.task_id} ({target.id}) set to {state.value}")
    return changes


def _replay_drop(tree: _Tree, target: TaskRun) -> set[str]:
    """Everything after the target: its children, and at each level of its ancestry the
    siblings created after the chain member (task runs are kept in creation order)."""
    chain = [target, *tree.ancestors(target)]
    anchor = {t.parent_task_run_id: t for t in chain}
    index = {t.id: i for i, t in enumerate(tree.runs)}
    drop = {t.id for t in tree.runs if t.parent_task_run_id == target.id}
    for task_run in tree.runs:
        level = task_run.parent_task_run_id
        member = anchor.get(level)
        if member is not None and task_run is not member and index[task_run.id] > index[member.id]:
            drop.add(task_run.id)
    return drop


def _copy_run(task_run: TaskRun, ids: dict[str, str], execution_id: str) -> TaskRun:
    return TaskRun(
        id=ids[task_run.id],
        execution_id=execution_id,
        namespace=task_run.namespace,
        flow_id=task_run.flow_id,
        task_id=task_run.task_id,
        state=StateInfo(task_run.state.current, list(task_run.state.histories)),
        parent_task_run_id=ids.get(task_run.parent_task_run_id or "", None),
        value=task_run.value,
        iteration=task_run.iteration,
        attempts=[
            Attempt(StateInfo(a.state.current, list(a.state.histories)), a.worker_id)
            for a in task_run.attempts
        ],
        outputs=copy.deepcopy(task_run.outputs),
        worker_group=task_run.worker_group,
        flowable=copy.deepcopy(task_run.flowable),
    )


def replay(
    plan: FlowPlan,
    execution: Execution,
    now: datetime,
    *,
    new_id: str,
    ids: IdFactory,
    task_run_id: str | None = None,
) -> Execution:
    """Kestra's replay: a new execution (same inputs, labels, originalId; parentId the
    replayed one). From a task run: the task runs before it are copied and it runs again."""
    _require_terminal(execution, "replayed")
    fresh = Execution(
        id=new_id,
        namespace=execution.namespace,
        flow_id=execution.flow_id,
        state=StateInfo.starting(now),
        flow_revision=execution.flow_revision,
        inputs=copy.deepcopy(execution.inputs),
        labels=[dict(label) for label in execution.labels],
        variables=copy.deepcopy(execution.variables),
        parent_id=execution.id,
        original_id=execution.original_id or execution.id,
        trigger=copy.deepcopy(execution.trigger),
        attempt_number=execution.attempt_number,
        original_created_date=execution.original_created_date,
        schedule_date=execution.schedule_date,
    )
    if task_run_id is None:
        fresh.attempt_number += 1
        return fresh
    tree = _Tree(plan, execution)
    target = tree.by_id.get(task_run_id)
    if target is None:
        raise ActionError(f"No task run {task_run_id} in this execution", path="taskRunId")
    dropped = set(tree.prune(_replay_drop(tree, target)))
    kept = [t for t in tree.runs if t.id not in dropped]
    mapping = {t.id: ids() for t in kept}
    fresh.task_run_list = [_copy_run(t, mapping, new_id) for t in kept]
    fresh.outputs = copy.deepcopy(execution.outputs)
    fresh.state = StateInfo(execution.state.current, list(execution.state.histories))
    copied = _Tree(plan, fresh)
    new_target = copied.by_id[mapping[target.id]]
    _apply(copied, fresh, _chain_of(copied, [new_target]), set(), now)
    fresh.task_run_list = copied.runs
    _restart_execution(fresh, now)
    return fresh
