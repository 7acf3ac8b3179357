"""Pause (wait for a resume, a delay or a timeout) and Sleep."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flows.spec.core._common import CORE, LEGACY
from flows.spec.inputs import AnyInput
from flows.spec.plugins import AnyTask, FlowableTask, RunnableTask, Task
from flows.spec.types import DynDuration


class Pause(FlowableTask):
    """Pause the execution until it is resumed, a delay passes or a timeout fires."""

    type_names = (CORE + "flow.Pause", LEGACY + "flows.Pause")

    delay: DynDuration | None = None
    timeout: DynDuration | None = None
    pause_duration: DynDuration | None = Field(None, alias="pauseDuration")
    behavior: Literal["RESUME", "WARN", "FAIL", "CANCEL"] | None = None
    on_resume: list[AnyInput] | None = Field(None, alias="onResume")
    tasks: list[AnyTask] | None = Field(None, json_schema_extra={"deprecated": True})

    def main_branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks or [])}


class Sleep(RunnableTask):
    """Wait for a duration."""

    type_names = (CORE + "flow.Sleep",)

    duration: DynDuration
