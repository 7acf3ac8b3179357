"""Tasks that start other flows: Subflow, ForEachItem, and the deprecated Template."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from flows.spec.base import SpecModel
from flows.spec.common import UserLabels
from flows.spec.core._common import CORE, LEGACY
from flows.spec.plugins import AnyTask, ExecutableTask, FlowableTask, Task
from flows.spec.types import Dynamic, Text


class ChildFlow(ExecutableTask):
    """What Subflow and ForEachItem share: the flow to call and how."""

    namespace: Text = Field(min_length=1)
    flow_id: Text = Field(min_length=1, alias="flowId")
    revision: Dynamic[int] | None = None
    inputs: dict[str, Any] | None = None
    labels: UserLabels | None = None
    wait: bool = True
    transmit_failed: bool = Field(True, alias="transmitFailed")
    inherit_labels: bool = Field(False, alias="inheritLabels")
    schedule_date: Text | None = Field(None, alias="scheduleDate")


class Subflow(ChildFlow):
    """Create an execution of another flow, and by default wait for it."""

    type_names = (CORE + "flow.Subflow", LEGACY + "flows.Subflow", LEGACY + "flows.Flow")

    outputs: dict[str, Any] | None = Field(None, json_schema_extra={"deprecated": True})


class Batch(SpecModel):
    """How ForEachItem splits its items file: by rows, bytes or partitions."""

    java_class = "io.kestra.plugin.core.flow.ForEachItem.Batch"

    rows: Dynamic[int] | None = None
    bytes: Text | None = None
    partitions: Dynamic[int] | None = None
    separator: Text | None = None


class ForEachItem(ChildFlow):
    """Split a file into batches and create one subflow execution per batch."""

    type_names = (CORE + "flow.ForEachItem", LEGACY + "flows.ForEachItem")

    items: Text = Field(min_length=1)
    batch: Batch = Field(default_factory=Batch)
    errors: list[AnyTask] | None = None
    finally_: list[AnyTask] | None = Field(None, alias="finally")

    def child_branches(self) -> dict[str, list[Task]]:
        branches = {"errors": list(self.errors or []), "finally": list(self.finally_ or [])}
        return {key: value for key, value in branches.items() if value}


class Template(FlowableTask):
    """Deprecated: include the tasks of a template (use subflows)."""

    type_names = (CORE + "flow.Template", LEGACY + "flows.Template")
    deprecated = True

    namespace: Text
    template_id: Text = Field(alias="templateId")
    tenant_id: str | None = Field(None, alias="tenantId")
    args: dict[str, Text] | None = None
