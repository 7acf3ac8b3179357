"""Sequential, Parallel, AllowFailure, If, Switch and Dag."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, model_validator

from flows.spec.base import SpecModel
from flows.spec.core._common import CORE, LEGACY
from flows.spec.plugins import (
    AnyTask,
    FlowableTask,
    Loc,
    RequiredTasks,
    Task,
    required_tasks,
    task_id_prefixed,
)
from flows.spec.types import Text


class TasksBody(FlowableTask):
    """A flowable whose children are one `tasks` list run one after the other."""

    tasks: RequiredTasks = required_tasks()

    def main_branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}


class Sequential(TasksBody):
    """Run tasks one after the other."""

    type_names = (CORE + "flow.Sequential", LEGACY + "flows.Sequential")


class AllowFailure(TasksBody):
    """Run tasks; a failure among them only makes this task WARNING."""

    type_names = (CORE + "flow.AllowFailure", LEGACY + "flows.AllowFailure")


class Parallel(FlowableTask):
    """Run tasks concurrently (`concurrent` at a time, 0 = all)."""

    type_names = (CORE + "flow.Parallel", LEGACY + "flows.Parallel")

    concurrent: int = Field(0, ge=0)
    tasks: RequiredTasks = required_tasks()

    def main_branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}


class If(FlowableTask):
    """Run `then` when the condition renders true, else `else`."""

    type_names = (CORE + "flow.If", LEGACY + "flows.If")

    condition: Text
    then: RequiredTasks = required_tasks()
    else_: list[AnyTask] | None = Field(None, alias="else")

    def main_branches(self) -> dict[str, list[Task]]:
        return {"then": list(self.then), "else": list(self.else_ or [])}


class Switch(FlowableTask):
    """Run the tasks of the case matching the rendered value, else `defaults`."""

    type_names = (CORE + "flow.Switch", LEGACY + "flows.Switch")

    value: Text = Field(min_length=1)
    cases: dict[str, list[AnyTask]] | None = None
    defaults: list[AnyTask] | None = None

    @model_validator(mode="after")
    def _has_tasks(self) -> Switch:
        if not self.cases and not self.defaults:
            raise task_id_prefixed(self, "No task defined, neither cases or default have any tasks")
        return self

    def main_branches(self) -> dict[str, list[Task]]:
        branches = {f"cases.{key}": list(tasks) for key, tasks in (self.cases or {}).items()}
        branches["defaults"] = list(self.defaults or [])
        return branches

    def child_items(self) -> Iterator[tuple[Loc, Task]]:
        for key, tasks in (self.cases or {}).items():
            for index, task in enumerate(tasks):
                yield ("cases", key, index), task
        for branch in ("defaults", "errors", "finally"):
            for index, task in enumerate(self.child_branches().get(branch, [])):
                yield (branch, index), task


class DagTask(SpecModel):
    """A task of a Dag and the ids of the tasks it waits for."""

    java_class = "io.kestra.plugin.core.flow.Dag.DagTask"

    task: AnyTask
    depends_on: list[str] | None = Field(None, alias="dependsOn")


def _cyclic(tasks: list[DagTask]) -> list[str]:
    """Ids of the tasks that (transitively) depend on themselves, in declaration order."""
    graph = {item.task.id: list(item.depends_on or []) for item in tasks}
    cyclic = []
    for start in graph:
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(graph.get(current, []))
        if start in seen:
            cyclic.append(start)
    return cyclic


class Dag(FlowableTask):
    """Run tasks as soon as the tasks they depend on succeeded (`concurrent` at a time)."""

    type_names = (CORE + "flow.Dag", LEGACY + "flows.Dag")

    concurrent: int = Field(0, ge=0)
    tasks: list[DagTask] | None = None

    @model_validator(mode="after")
    def _graph(self) -> Dag:
        if not self.tasks:
            raise task_id_prefixed(self, "No task defined")
        ids = {item.task.id for item in self.tasks}
        missing = [dep for item in self.tasks for dep in item.depends_on or [] if dep not in ids]
        if missing:
            raise task_id_prefixed(
                self, "Not existing task id in dependency: " + ", ".join(missing)
            )
        cyclic = _cyclic(self.tasks)
        if cyclic:
            raise task_id_prefixed(self, "Cyclic dependency detected: " + ", ".join(cyclic))
        return self

    def main_branches(self) -> dict[str, list[Task]]:
        return {"tasks": [item.task for item in self.tasks or []]}

    def child_items(self) -> Iterator[tuple[Loc, Task]]:
        for index, item in enumerate(self.tasks or []):
            yield ("tasks", index, "task"), item.task
        for branch in ("errors", "finally"):
            for index, task in enumerate(self.child_branches().get(branch, [])):
                yield (branch, index), task
