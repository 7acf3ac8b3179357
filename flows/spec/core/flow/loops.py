"""ForEach (and the deprecated EachSequential/EachParallel) and WaitFor/LoopUntil."""

from __future__ import annotations

from pydantic import Field

from flows.spec.base import SpecModel
from flows.spec.core._common import CORE, LEGACY, ValuesList
from flows.spec.core.flow.branching import TasksBody
from flows.spec.plugins import AnyTask, FlowableTask, Task
from flows.spec.types import Dynamic, DynDuration, Text


class ForEach(TasksBody):
    """Run the tasks once per value (`concurrencyLimit` groups at a time, 0 = unlimited)."""

    type_names = (CORE + "flow.ForEach",)

    values: ValuesList
    concurrency_limit: int = Field(1, ge=0, alias="concurrencyLimit")


class EachSequential(TasksBody):
    """Deprecated: run the tasks once per value, one value after the other (use ForEach)."""

    type_names = (CORE + "flow.EachSequential", LEGACY + "flows.EachSequential")
    deprecated = True

    value: ValuesList


class EachParallel(TasksBody):
    """Deprecated: run the tasks once per value, concurrently (use ForEach)."""

    type_names = (CORE + "flow.EachParallel", LEGACY + "flows.EachParallel")
    deprecated = True

    value: ValuesList
    concurrent: int = Field(0, ge=0)


class CheckFrequency(SpecModel):
    """How often and how long WaitFor re-runs its tasks."""

    java_class = "io.kestra.plugin.core.flow.WaitFor.CheckFrequency"

    max_iterations: Dynamic[int] = Field(100, alias="maxIterations")
    max_duration: DynDuration = Field("PT1H", alias="maxDuration")
    interval: DynDuration = "PT1S"


class WaitFor(FlowableTask):
    """Run the tasks again and again until the condition renders true."""

    type_names = (CORE + "flow.WaitFor",)

    tasks: list[AnyTask]
    condition: Text
    fail_on_max_reached: bool = Field(False, alias="failOnMaxReached")
    check_frequency: CheckFrequency = Field(
        CheckFrequency.model_validate({}), alias="checkFrequency"
    )

    def main_branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks)}


class LoopUntil(WaitFor):
    """Run the tasks again and again until the condition renders true (WaitFor's new name)."""

    type_names = (CORE + "flow.LoopUntil",)
