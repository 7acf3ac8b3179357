"""Base classes of pluggable types: tasks (runnable, flowable, executable), triggers, conditions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from flows.spec.base import SpecModel, model_json_schema_extra, raise_errors
from flows.spec.common import Retry, UserLabels, WorkerGroup
from flows.spec.registry import Dispatch
from flows.spec.types import DynDuration, Level, StateType, TaskId, Text

TaskKind = Literal["runnable", "flowable", "executable"]
Loc = tuple[str | int, ...]


def _plugin_schema(schema: dict[str, Any], cls: type[Any]) -> None:
    """Name each plugin schema after its type and pin `type` to its accepted names."""
    model_json_schema_extra(schema, cls)
    names = list(getattr(cls, "type_names", ()))
    if not names:
        return
    schema["title"] = names[0]
    properties = schema.setdefault("properties", {})
    properties["type"] = {"type": "string", "enum": names}
    required = schema.setdefault("required", [])
    if "type" not in required:
        required.append("type")
    if getattr(cls, "deprecated", False):
        schema["deprecated"] = True


class Plugin(SpecModel):
    """What tasks, triggers and conditions share: a `type` naming the registered class."""

    model_config = ConfigDict(json_schema_extra=_plugin_schema)

    plugin_category: ClassVar[str] = ""
    # Canonical Kestra type name first, then legacy aliases.
    type_names: ClassVar[tuple[str, ...]] = ()
    deprecated: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _own_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.type_names:
            name = data.get("type")
            if name is None:
                return {**data, "type": cls.type_names[0]}
            if name not in cls.type_names:
                raise_errors(
                    cls.__name__, [(("type",), "invalid_type", f"Invalid type: {name}", name)]
                )
        return data

    @property
    def canonical_type(self) -> str:
        """The canonical name of this type, whichever alias the source used."""
        return self.type_names[0] if self.type_names else str(getattr(self, "type", ""))


class Task(Plugin):
    """A task of a flow. `kind` says who runs it: a worker (runnable), the executor expanding
    it into children (flowable), or the executor creating executions (executable)."""

    plugin_category = "task"
    kind: ClassVar[TaskKind] = "runnable"

    id: TaskId
    type: str = ""
    description: str | None = None
    retry: Retry | None = None
    timeout: DynDuration | None = None
    disabled: bool = False
    worker_group: WorkerGroup | None = Field(None, alias="workerGroup")
    log_level: Level | None = Field(None, alias="logLevel")
    log_to_file: bool = Field(False, alias="logToFile")
    run_if: Text = Field("true", alias="runIf")
    allow_failure: bool = Field(False, alias="allowFailure")
    allow_warning: bool = Field(False, alias="allowWarning")

    def child_branches(self) -> dict[str, list[Task]]:
        """Child task lists by branch name (none for a runnable task)."""
        return {}

    def child_items(self) -> Iterator[tuple[Loc, Task]]:
        """(location relative to this task, child) for each direct child, in Kestra's order.

        The location is a tuple of keys and indexes, e.g. ("then", 0) or ("cases", "A", 1).
        """
        for branch, tasks in self.child_branches().items():
            keys = tuple(branch.split(".", 1))
            for index, task in enumerate(tasks):
                yield (*keys, index), task

    def walk(self, loc: Loc = ()) -> Iterator[tuple[Loc, Task]]:
        """(location, task) for this task and every descendant, depth first."""
        yield loc, self
        for child_loc, child in self.child_items():
            yield from child.walk((*loc, *child_loc))


class RunnableTask(Task):
    """A task a worker runs."""

    kind: ClassVar[TaskKind] = "runnable"


class ExecutableTask(Task):
    """A task that creates executions of another flow (Subflow, ForEachItem)."""

    kind: ClassVar[TaskKind] = "executable"

    def subflow_target(self) -> tuple[str, str] | None:
        """(namespace, flowId) called, when both are static text."""
        namespace = getattr(self, "namespace", None)
        flow_id = getattr(self, "flow_id", None)
        if isinstance(namespace, str) and isinstance(flow_id, str):
            return namespace, flow_id
        return None


class Condition(Plugin):
    """A condition of a trigger or a listener."""

    plugin_category = "condition"

    type: str = ""


AnyTask = Annotated[Task, Dispatch("task")]
AnyCondition = Annotated[Condition, Dispatch("condition")]


def _not_empty(value: Any) -> Any:
    if value is None or (isinstance(value, list | dict) and not value):
        raise PydanticCustomError("not_empty", "must not be empty")
    return value


# A task list that must hold at least one task: `tasks:` missing, null or [] are violations.
RequiredTasks = Annotated[list[AnyTask], BeforeValidator(_not_empty)]


def required_tasks(alias: str | None = None, **kwargs: Any) -> Any:
    """Field for a RequiredTasks attribute: validated even when absent."""
    return Field(default_factory=list, validate_default=True, alias=alias, **kwargs)


class FlowableTask(Task):
    """A task the executor expands into child task runs; every flowable has `errors` and
    `finally` branches besides its own."""

    kind: ClassVar[TaskKind] = "flowable"

    errors: list[AnyTask] | None = None
    finally_: list[AnyTask] | None = Field(None, alias="finally")

    def main_branches(self) -> dict[str, list[Task]]:
        return {}

    def child_branches(self) -> dict[str, list[Task]]:
        branches = {k: v for k, v in self.main_branches().items() if v}
        if self.errors:
            branches["errors"] = list(self.errors)
        if self.finally_:
            branches["finally"] = list(self.finally_)
        return branches


class Trigger(Plugin):
    """A trigger of a flow."""

    plugin_category = "trigger"

    id: TaskId
    type: str = ""
    description: str | None = None
    conditions: list[AnyCondition] | None = None
    disabled: bool = False
    worker_group: WorkerGroup | None = Field(None, alias="workerGroup")
    log_level: Level | None = Field(None, alias="logLevel")
    min_log_level: Level | None = Field(
        None, alias="minLogLevel", json_schema_extra={"deprecated": True}
    )
    labels: UserLabels | None = None
    stop_after: list[StateType] | None = Field(None, alias="stopAfter")
    log_to_file: bool = Field(False, alias="logToFile")


AnyTrigger = Annotated[Trigger, Dispatch("trigger")]


def task_id_prefixed(task: Any, message: str) -> PydanticCustomError:
    """A task-level error worded as Kestra words it: `<task id>: <message>`."""
    return PydanticCustomError(
        "task_rule", "{id}: {message}", {"id": getattr(task, "id", "?"), "message": message}
    )


def validation_flag(info: ValidationInfo, key: str, default: Any = None) -> Any:
    context = info.context if isinstance(info.context, dict) else {}
    return context.get(key, default)
