"""The Flow model and its parts: outputs, SLAs, concurrency, plugin defaults, listeners."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from flows.spec.base import SpecModel, raise_errors
from flows.spec.common import (
    FLOW_ALLOWED_SYSTEM_LABELS,
    SYSTEM_PREFIX,
    Label,
    Labels,
    Retry,
    UserLabels,
    WorkerGroup,
)
from flows.spec.inputs import AnyInput, InputType
from flows.spec.plugins import (
    AnyCondition,
    AnyTask,
    AnyTrigger,
    Loc,
    RequiredTasks,
    Task,
    required_tasks,
)
from flows.spec.types import Duration, FlowId, InputId, Namespace, Text


class Output(SpecModel):
    """A flow output, rendered when the execution ends and exposed to parent flows."""

    java_class = "io.kestra.core.models.flows.Output"

    id: InputId
    type: InputType
    value: Any
    required: bool = True
    display_name: str | None = Field(None, alias="displayName")
    description: str | None = None

    @field_validator("value")
    @classmethod
    def _present(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("missing", "must not be null")
        return value


class SLA(SpecModel):
    """A service-level agreement on executions of the flow."""

    java_class = "io.kestra.core.models.flows.sla.SLA"

    id: str = Field(min_length=1)
    type: Literal["MAX_DURATION", "EXECUTION_ASSERTION"]
    behavior: Literal["FAIL", "CANCEL", "NONE"]
    duration: Duration | None = None
    assert_: str | None = Field(None, alias="assert")
    labels: UserLabels | None = None

    @model_validator(mode="after")
    def _by_type(self) -> SLA:
        needed = "duration" if self.type == "MAX_DURATION" else "assert"
        if (self.duration if needed == "duration" else self.assert_) is None:
            raise_errors("sla", [((needed,), "missing", "must not be null", None)])
        return self


class Concurrency(SpecModel):
    """How many executions of the flow may run at once, and what happens to the others."""

    java_class = "io.kestra.core.models.flows.Concurrency"

    limit: int = Field(ge=1)
    behavior: Literal["QUEUE", "CANCEL", "FAIL"] = "QUEUE"


class PluginDefault(SpecModel):
    """Default property values for every task/trigger/condition of a type (or type prefix)."""

    java_class = "io.kestra.core.models.flows.PluginDefault"

    type: Text
    forced: bool = False
    values: dict[str, Any]

    @field_validator("values")
    @classmethod
    def _no_null_values(cls, values: dict[str, Any]) -> dict[str, Any]:
        empty = [key for key, value in values.items() if value is None]
        if empty:
            raise PydanticCustomError(
                "plugin_default",
                "Invalid Plugin Default: {problems}",
                {"problems": ", ".join(f"No value provided for key '{key}'" for key in empty)},
            )
        return values


class Listener(SpecModel):
    """Deprecated: tasks run after the execution when its conditions hold."""

    java_class = "io.kestra.core.models.listeners.Listener"

    description: str | None = None
    conditions: list[AnyCondition] | None = None
    tasks: RequiredTasks = required_tasks()


class Flow(SpecModel):
    """A Kestra flow."""

    java_class = "io.kestra.core.models.flows.Flow"
    legacy_keys = frozenset({"taskDefaults"})

    id: FlowId
    namespace: Namespace
    revision: int | None = Field(None, ge=1)
    description: str | None = None
    labels: Labels | None = None
    inputs: list[AnyInput] | None = None
    outputs: list[Output] | None = None
    variables: dict[str, Any] | None = None
    tasks: RequiredTasks = required_tasks()
    errors: list[AnyTask] | None = None
    finally_: list[AnyTask] | None = Field(None, alias="finally")
    after_execution: list[AnyTask] | None = Field(None, alias="afterExecution")
    listeners: list[Listener] | None = Field(None, json_schema_extra={"deprecated": True})
    triggers: list[AnyTrigger] | None = None
    plugin_defaults: list[PluginDefault] | None = Field(None, alias="pluginDefaults")
    concurrency: Concurrency | None = None
    retry: Retry | None = None
    sla: list[SLA] | None = None
    disabled: bool = False
    deleted: bool = False
    tenant_id: str | None = Field(None, alias="tenantId", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    worker_group: WorkerGroup | None = Field(None, alias="workerGroup")

    @model_validator(mode="before")
    @classmethod
    def _fold_task_defaults(cls, data: Any) -> Any:
        """`taskDefaults` is the old name of `pluginDefaults`: both are kept, in that order."""
        if isinstance(data, dict) and "taskDefaults" in data:
            data = dict(data)
            legacy = data.pop("taskDefaults")
            current = data.get("pluginDefaults")
            if isinstance(legacy, list) and (current is None or isinstance(current, list)):
                data["pluginDefaults"] = [*(current or []), *legacy]
            elif current is None:
                data["pluginDefaults"] = legacy
        return data

    @field_validator("labels")
    @classmethod
    def _no_system_labels(cls, labels: list[Label] | None) -> list[Label] | None:
        offending = [
            (
                (index,),
                "system_label",
                "System labels can only be set by Kestra itself, "
                f"offending label: {label.key}={label.value}",
                label.key,
            )
            for index, label in enumerate(labels or [])
            if label.key.startswith(SYSTEM_PREFIX) and label.key not in FLOW_ALLOWED_SYSTEM_LABELS
        ]
        if offending:
            raise_errors("labels", offending)
        return labels

    @model_validator(mode="after")
    def _flow_rules(self, info: ValidationInfo) -> Flow:
        from flows.spec.rules import flow_rule_errors

        errors = flow_rule_errors(self)
        if errors:
            raise_errors("flow", errors)
        return self

    # helpers for the executor ----------------------------------------------------------------

    def task_items(self) -> Iterator[tuple[Loc, Task]]:
        """(location, task) of every task: tasks, errors, finally, afterExecution, listeners,
        each followed by its descendants, in Kestra's order."""
        for branch, tasks in (
            ("tasks", self.tasks),
            ("errors", self.errors),
            ("finally", self.finally_),
            ("afterExecution", self.after_execution),
        ):
            for index, task in enumerate(tasks or []):
                yield from task.walk((branch, index))
        for number, listener in enumerate(self.listeners or []):
            for index, task in enumerate(listener.tasks):
                yield from task.walk(("listeners", number, "tasks", index))

    def all_tasks(self) -> Iterator[Task]:
        """Every task of the flow, nested children and every errors/finally branch included."""
        for _, task in self.task_items():
            yield task

    def find_task(self, task_id: str) -> Task:
        """The task with this id anywhere in the flow; KeyError if there is none."""
        for task in self.all_tasks():
            if task.id == task_id:
                return task
        raise KeyError(f"Can't find task with id '{task_id}' on flow '{self.id}'")

    def uid(self) -> str:
        return f"{self.namespace}.{self.id}"
