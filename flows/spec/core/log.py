"""Log tasks: Log, Fetch (read execution logs) and PurgeLogs."""

from __future__ import annotations

from pydantic import Field

from flows.spec.core._common import CORE, LEGACY, TextOrList
from flows.spec.plugins import RunnableTask
from flows.spec.types import Level, Text


class Log(RunnableTask):
    """Log a message (or each message of a list) at a level."""

    type_names = (CORE + "log.Log", LEGACY + "log.Log")

    message: TextOrList
    level: Level = Level.INFO


class Fetch(RunnableTask):
    """Fetch the logs of an execution into a file (runs on the executor side)."""

    type_names = (CORE + "log.Fetch", LEGACY + "log.Fetch")

    namespace: Text | None = None
    flow_id: Text | None = Field(None, alias="flowId")
    execution_id: Text | None = Field(None, alias="executionId")
    tasks_id: list[Text] | None = Field(None, alias="tasksId")
    level: Level = Level.INFO


class PurgeLogs(RunnableTask):
    """Purge logs by namespace, flow, level and date range."""

    type_names = (CORE + "log.PurgeLogs",)

    namespace: Text | None = None
    flow_id: Text | None = Field(None, alias="flowId")
    log_levels: list[Level] | None = Field(None, alias="logLevels")
    start_date: Text | None = Field(None, alias="startDate")
    end_date: Text = Field(alias="endDate")
