"""Trigger and listener conditions (io.kestra.plugin.core.condition.*) with their legacy names."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flows.spec.base import SpecModel
from flows.spec.core._common import CORE, LEGACY_CONDITION, LabelsValue
from flows.spec.plugins import AnyCondition, Condition
from flows.spec.types import Duration, StateType, TaskId, Text

COND = CORE + "condition."
TRIGGER_DATE = "{{ trigger.date }}"
DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def _names(name: str, legacy: str | None = None) -> tuple[str, ...]:
    """Canonical name, then `<Name>Condition` under core.models.conditions.types and core."""
    legacy = legacy or f"{name}Condition"
    return (COND + name, LEGACY_CONDITION + legacy, COND + f"{name}Condition")


class ExecutionStatus(Condition):
    """The execution is (or is not) in these states."""

    type_names = _names("ExecutionStatus")

    in_: list[StateType] | None = Field(None, alias="in")
    not_in: list[StateType] | None = Field(None, alias="notIn")


class HasRetryAttempt(Condition):
    """The execution had a retry attempt in these states."""

    type_names = _names("HasRetryAttempt")

    in_: list[StateType] | None = Field(None, alias="in")
    not_in: list[StateType] | None = Field(None, alias="notIn")


class ExecutionFlow(Condition):
    """The execution is of this flow."""

    type_names = _names("ExecutionFlow")

    namespace: Text
    flow_id: Text = Field(alias="flowId")


class FlowCondition(Condition):
    """Deprecated: the execution is of this flow (use ExecutionFlow)."""

    type_names = (COND + "FlowCondition", LEGACY_CONDITION + "FlowCondition")
    deprecated = True

    namespace: Text
    flow_id: Text = Field(alias="flowId")


class ExecutionNamespace(Condition):
    """The execution's namespace equals (or starts/ends with) this one."""

    type_names = _names("ExecutionNamespace")

    namespace: Text
    comparison: Literal["EQUALS", "PREFIX", "SUFFIX"] | None = None
    prefix: bool = False


class FlowNamespaceCondition(Condition):
    """Deprecated: the flow's namespace matches (use ExecutionNamespace)."""

    type_names = (COND + "FlowNamespaceCondition", LEGACY_CONDITION + "FlowNamespaceCondition")
    deprecated = True

    namespace: Text
    prefix: bool = False


class ExecutionLabels(Condition):
    """The execution has these labels."""

    type_names = _names("ExecutionLabels")

    labels: LabelsValue


class ExecutionOutputs(Condition):
    """An expression on the execution outputs renders true."""

    type_names = _names("ExecutionOutputs")

    expression: Text = Field(min_length=1)


class Expression(Condition):
    """An expression renders true."""

    type_names = (
        COND + "Expression",
        LEGACY_CONDITION + "VariableCondition",
        COND + "ExpressionCondition",
    )

    expression: Text = Field(min_length=1)


class TimeWindow(SpecModel):
    """The window in which all conditions of a MultipleCondition/preconditions must match."""

    java_class = "io.kestra.core.models.triggers.TimeWindow"

    type: Literal[
        "DAILY_TIME_DEADLINE", "DAILY_TIME_WINDOW", "DURATION_WINDOW", "SLIDING_WINDOW"
    ] = "DURATION_WINDOW"
    deadline: Text | None = None
    window: Duration | None = None
    window_advance: Duration | None = Field(None, alias="windowAdvance")
    start_time: Text | None = Field(None, alias="startTime")
    end_time: Text | None = Field(None, alias="endTime")


class MultipleCondition(Condition):
    """Deprecated: several conditions met within a time window (use Flow preconditions)."""

    type_names = (COND + "MultipleCondition", LEGACY_CONDITION + "MultipleCondition")
    deprecated = True

    id: TaskId
    time_window: TimeWindow | None = Field(None, alias="timeWindow")
    reset_on_success: bool = Field(True, alias="resetOnSuccess")
    window: Duration | None = Field(None, json_schema_extra={"deprecated": True})
    window_advance: Duration | None = Field(
        None, alias="windowAdvance", json_schema_extra={"deprecated": True}
    )
    conditions: dict[str, AnyCondition] = Field(min_length=1)


class Not(Condition):
    """None of the conditions holds."""

    type_names = _names("Not")

    conditions: list[AnyCondition] = Field(min_length=1)


class Or(Condition):
    """At least one of the conditions holds."""

    type_names = _names("Or")

    conditions: list[AnyCondition] = Field(min_length=1)


class DateCondition(Condition):
    """Schedule conditions evaluate a date, the trigger date by default."""

    date: Text = TRIGGER_DATE


class DayWeek(DateCondition):
    """The date is this day of the week."""

    type_names = _names("DayWeek")

    day_of_week: DayOfWeek = Field(alias="dayOfWeek")


class DayWeekInMonth(DateCondition):
    """The date is the first/second/.../last given day of the week of its month."""

    type_names = _names("DayWeekInMonth")

    day_of_week: DayOfWeek = Field(alias="dayOfWeek")
    day_in_month: Literal["FIRST", "LAST", "SECOND", "THIRD", "FOURTH"] = Field(alias="dayInMonth")


class TimeBetween(DateCondition):
    """The time of the date is between `after` and `before`."""

    type_names = _names("TimeBetween")

    after: Text | None = None
    before: Text | None = None


class DateTimeBetween(DateCondition):
    """The date is between `after` and `before`."""

    type_names = _names("DateTimeBetween")

    after: Text | None = None
    before: Text | None = None


class Weekend(DateCondition):
    """The date is a Saturday or a Sunday."""

    type_names = _names("Weekend")


class PublicHoliday(DateCondition):
    """The date is a public holiday of a country."""

    type_names = _names("PublicHoliday")

    country: Text | None = None
    sub_division: Text | None = Field(None, alias="subDivision")


TYPES = (
    ExecutionStatus,
    HasRetryAttempt,
    ExecutionFlow,
    FlowCondition,
    ExecutionNamespace,
    FlowNamespaceCondition,
    ExecutionLabels,
    ExecutionOutputs,
    Expression,
    MultipleCondition,
    Not,
    Or,
    DayWeek,
    DayWeekInMonth,
    TimeBetween,
    DateTimeBetween,
    Weekend,
    PublicHoliday,
)
