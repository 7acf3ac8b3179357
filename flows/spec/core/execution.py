"""Execution tasks: Fail, Exit, Labels, Count, Resume, PurgeExecutions, (Un)SetVariables."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from flows.spec.core._common import CORE, LEGACY, LabelsValue
from flows.spec.plugins import RunnableTask
from flows.spec.types import Dynamic, StateType, Text


class Fail(RunnableTask):
    """Fail the execution, always or when a condition renders true."""

    type_names = (CORE + "execution.Fail", LEGACY + "executions.Fail")

    condition: Text | None = None
    error_message: Text = Field("Task failure", alias="errorMessage")


class Exit(RunnableTask):
    """End the execution in a given state when a condition renders true."""

    type_names = (CORE + "execution.Exit",)

    condition: Text
    state: Literal["SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELLED"] = "SUCCESS"


class Labels(RunnableTask):
    """Add or override labels of the current execution."""

    type_names = (CORE + "execution.Labels", LEGACY + "executions.Labels")

    labels: LabelsValue


class Count(RunnableTask):
    """Count executions matching flows, states and a date range (runs on the executor side)."""

    type_names = (CORE + "execution.Count", LEGACY + "executions.Counts")

    flows: list[dict[str, Any]] | None = None
    states: list[StateType] | None = None
    start_date: Text = Field(alias="startDate")
    end_date: Text | None = Field(None, alias="endDate")
    expression: Text
    namespaces: list[Text] | None = None


class Resume(RunnableTask):
    """Resume a paused execution (the current one by default)."""

    type_names = (CORE + "execution.Resume",)

    namespace: Text | None = None
    flow_id: Text | None = Field(None, alias="flowId")
    execution_id: Text | None = Field(None, alias="executionId")
    inputs: dict[str, Any] | None = None


class PurgeExecutions(RunnableTask):
    """Purge executions, their logs, metrics and storage (runs on the executor side)."""

    type_names = (
        CORE + "execution.PurgeExecutions",
        LEGACY + "storages.Purge",
        CORE + "storage.Purge",
    )

    namespace: Text | None = None
    flow_id: Text | None = Field(None, alias="flowId")
    start_date: Text | None = Field(None, alias="startDate")
    end_date: Text = Field(alias="endDate")
    states: list[StateType] | None = None
    purge_execution: bool = Field(True, alias="purgeExecution")
    purge_log: bool = Field(True, alias="purgeLog")
    purge_metric: bool = Field(True, alias="purgeMetric")
    purge_storage: bool = Field(True, alias="purgeStorage")


class SetVariables(RunnableTask):
    """Set execution variables."""

    type_names = (CORE + "execution.SetVariables",)

    variables: Dynamic[dict[str, Any]]
    overwrite: Dynamic[bool] = True


class UnsetVariables(RunnableTask):
    """Remove execution variables."""

    type_names = (CORE + "execution.UnsetVariables",)

    variables: Dynamic[list[Text]]
    ignore_missing: Dynamic[bool] = Field(False, alias="ignoreMissing")
