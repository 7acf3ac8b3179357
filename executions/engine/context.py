"""The working state of one process() call: indexes over the snapshot and the one write path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from executions.engine.events import LogLine, Outcome
from executions.engine.model import Execution, IdFactory, StateInfo, TaskRun, change_state
from executions.engine.plan import FlowPlan, Node
from executions.states import State


@dataclass(frozen=True, slots=True)
class Resolved:
    """A task to run under a parent, for one loop value (Kestra's ResolvedTask)."""

    node: Node
    value: str | None = None


class Run:
    """Everything one call needs; built once per call in O(task runs)."""

    def __init__(
        self,
        plan: FlowPlan,
        execution: Execution,
        now: datetime,
        renderer: Any,
        ids: IdFactory,
        extra: dict[str, Any],
    ) -> None:
        self.plan = plan
        self.execution = execution
        self.now = now
        self.renderer = renderer
        self.ids = ids
        self.extra = extra  # envs, globals: passed by the caller into every run context
        self.outcome = Outcome()
        self.by_id: dict[str, TaskRun] = {}
        self.children: dict[str | None, list[TaskRun]] = {}
        for task_run in execution.task_run_list:
            self._index(task_run)
        self.progress = False
        self._changed: dict[str, None] = {}
        self._outputs_cache: dict[str, Any] | None = None

    def _index(self, task_run: TaskRun) -> None:
        self.by_id[task_run.id] = task_run
        self.children.setdefault(task_run.parent_task_run_id, []).append(task_run)

    # ---- reads ------------------------------------------------------------------------------

    def runs_for(self, tasks: Iterable[Resolved], parent_id: str | None) -> list[TaskRun]:
        """Task runs under `parent_id` matching the resolved tasks (in creation order)."""
        wanted: dict[str, set[str | None]] = {}
        for resolved in tasks:
            wanted.setdefault(resolved.node.id, set()).add(resolved.value)
        if not wanted:
            return []
        result = []
        for task_run in self.children.get(parent_id, ()):
            values = wanted.get(task_run.task_id)
            if values is not None and (None in values or task_run.value in values):
                result.append(task_run)
        return result

    def node_of(self, task_run: TaskRun) -> Node:
        return self.plan.nodes[task_run.task_id]

    def parents(self, task_run: TaskRun) -> list[TaskRun]:
        """Ancestors, outermost first."""
        chain = []
        current = task_run
        while current.parent_task_run_id is not None:
            parent = self.by_id.get(current.parent_task_run_id)
            if parent is None:
                break
            chain.append(parent)
            current = parent
        chain.reverse()
        return chain

    def value_chain(self, task_run: TaskRun) -> list[str]:
        chain = [t.value for t in self.parents(task_run) if t.value is not None]
        if task_run.value is not None:
            chain.append(task_run.value)
        return chain

    # ---- writes -----------------------------------------------------------------------------

    def mark(self, task_run: TaskRun) -> None:
        self._changed[task_run.id] = None
        self.progress = True

    def set_state(self, task_run: TaskRun, state: State) -> bool:
        if change_state(task_run, state, self.now):
            self.mark(task_run)
            return True
        return False

    def set_outputs(self, task_run: TaskRun, outputs: dict[str, Any] | None) -> None:
        task_run.outputs = outputs
        self._outputs_cache = None
        self.mark(task_run)

    def set_execution_state(self, state: State) -> bool:
        if change_state(self.execution, state, self.now):
            self.outcome.execution_changed = True
            self.progress = True
            return True
        return False

    def create(
        self,
        resolved: Resolved,
        parent: TaskRun | None,
        iteration: int | None = None,
        task_run_id: str | None = None,
    ) -> TaskRun:
        execution = self.execution
        task_run = TaskRun(
            id=task_run_id or self.ids(),
            execution_id=execution.id,
            namespace=execution.namespace,
            flow_id=execution.flow_id,
            task_id=resolved.node.id,
            state=StateInfo.starting(self.now),
            parent_task_run_id=parent.id if parent else None,
            value=resolved.value,
            iteration=iteration,
        )
        execution.task_run_list.append(task_run)
        self._index(task_run)
        self.outcome.new_task_runs.append(task_run.id)
        self.mark(task_run)
        if execution.state.current is State.CREATED:
            self.set_execution_state(State.RUNNING)
        return task_run

    def log(self, level: str, message: str, task_run: TaskRun | None = None) -> None:
        self.outcome.logs.append(
            LogLine(self.execution.id, task_run.id if task_run else None, level, message)
        )

    def wake(self, when: datetime | None) -> None:
        if when is not None and (self.outcome.wake_at is None or when < self.outcome.wake_at):
            self.outcome.wake_at = when

    def finish(self) -> Outcome:
        new = set(self.outcome.new_task_runs)
        self.outcome.changed_task_runs = [i for i in self._changed if i not in new]
        self.outcome.terminal = self.execution.state.current.is_terminal
        return self.outcome

    # ---- outputs ----------------------------------------------------------------------------

    def all_outputs(self) -> dict[str, Any]:
        """Execution.outputs(): outputs by task id, nested by the loop value chain."""
        if self._outputs_cache is not None:
            return self._outputs_cache
        result: dict[str, Any] = {}
        for task_run in self.execution.task_run_list:
            if task_run.outputs is None:
                continue
            chain = self.value_chain(task_run)
            if not chain:
                result[task_run.task_id] = task_run.outputs
                continue
            target = result.setdefault(task_run.task_id, {})
            for value in chain[:-1]:
                target = target.setdefault(value, {})
            if task_run.value is not None:
                target[chain[-1]] = task_run.outputs
            else:
                target = target.setdefault(chain[-1], {})
                target.update(task_run.outputs)
        self._outputs_cache = result
        return result
