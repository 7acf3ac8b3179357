"""WorkingDirectory: run runnable tasks in one shared working directory on one worker."""

from __future__ import annotations

from pydantic import Field, model_validator

from flows.spec.base import SpecModel
from flows.spec.common import NamespaceFiles
from flows.spec.core._common import CORE, LEGACY, FilesMap
from flows.spec.plugins import AnyTask, FlowableTask, Task, task_id_prefixed
from flows.spec.types import Duration


class Cache(SpecModel):
    """Files of the working directory kept between executions."""

    java_class = "io.kestra.plugin.core.flow.WorkingDirectory.Cache"

    patterns: list[str]
    ttl: Duration | None = None


class WorkingDirectory(FlowableTask):
    """Run tasks one after the other in the same working directory (one worker job)."""

    type_names = (
        CORE + "flow.WorkingDirectory",
        LEGACY + "flows.WorkingDirectory",
        LEGACY + "flows.Worker",
    )

    tasks: list[AnyTask] | None = None
    cache: Cache | None = None
    namespace_files: NamespaceFiles | None = Field(None, alias="namespaceFiles")
    input_files: FilesMap | None = Field(None, alias="inputFiles")
    output_files: list[str] | None = Field(None, alias="outputFiles")

    @model_validator(mode="after")
    def _runnable_children(self) -> WorkingDirectory:
        if not self.tasks:
            raise task_id_prefixed(self, "The 'tasks' property cannot be empty")
        if any(task.kind != "runnable" for task in self.tasks):
            raise task_id_prefixed(
                self, "Only runnable tasks are allowed as children of a WorkingDirectory task"
            )
        if any(task.worker_group is not None for task in self.tasks):
            raise task_id_prefixed(
                self,
                "Cannot set a Worker Group in any WorkingDirectory sub-tasks, it is only "
                "supported at the WorkingDirectory level",
            )
        return self

    def main_branches(self) -> dict[str, list[Task]]:
        return {"tasks": list(self.tasks or [])}
