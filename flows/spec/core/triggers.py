"""Core triggers (Schedule, ScheduleOnDates, Flow, Webhook) and the Toggle task."""

from __future__ import annotations

import zoneinfo
from typing import Any, Literal

from croniter import croniter
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from flows.spec.base import SpecModel
from flows.spec.core._common import CORE, LEGACY, LEGACY_TRIGGER
from flows.spec.plugins import AnyCondition, RunnableTask, Trigger
from flows.spec.types import Duration, Dynamic, StateType, TaskId, Text

TRIG = CORE + "trigger."
RecoverMissed = Literal["ALL", "LAST", "NONE"]


def _timezone(value: str | None) -> str | None:
    if value is not None:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            if zoneinfo.available_timezones():  # no tz database at all: nothing to check against
                raise PydanticCustomError(
                    "timezone", "invalid timezone '{value}'", {"value": value}
                ) from None
    return value


class Schedule(Trigger):
    """Create executions on a cron schedule."""

    type_names = (TRIG + "Schedule", LEGACY_TRIGGER + "Schedule")

    cron: Text
    with_seconds: bool = Field(False, alias="withSeconds")
    timezone: Text | None = None
    interval: None = None
    schedule_conditions: list[AnyCondition] | None = Field(
        None, alias="scheduleConditions", json_schema_extra={"deprecated": True}
    )
    inputs: dict[str, Any] | None = None
    late_maximum_delay: Duration | None = Field(None, alias="lateMaximumDelay")
    backfill: dict[str, Any] | None = Field(None, json_schema_extra={"deprecated": True})
    recover_missed_schedules: RecoverMissed | None = Field(None, alias="recoverMissedSchedules")

    _check_timezone = field_validator("timezone")(_timezone)

    @model_validator(mode="after")
    def _valid_cron(self) -> Schedule:
        expression = self.cron.strip()
        fields = expression.split()
        expected = 6 if self.with_seconds else 5
        valid = False
        if expression.startswith("@"):
            valid = len(fields) == 1 and croniter.is_valid(expression)
        elif len(fields) == expected:
            valid = croniter.is_valid(expression, second_at_beginning=self.with_seconds)
        if not valid:
            raise PydanticCustomError(
                "cron",
                "invalid cron expression '{cron}': expected {count} fields{seconds}",
                {
                    "cron": self.cron,
                    "count": expected,
                    "seconds": " (seconds first)" if self.with_seconds else "",
                },
            )
        return self


class ScheduleOnDates(Trigger):
    """Create executions at a list of dates."""

    type_names = (TRIG + "ScheduleOnDates",)

    dates: Dynamic[list[Text]]
    timezone: Text | None = None
    inputs: dict[str, Any] | None = None
    interval: None = None
    recover_missed_schedules: RecoverMissed | None = Field(None, alias="recoverMissedSchedules")

    _check_timezone = field_validator("timezone")(_timezone)


class UpstreamFlow(SpecModel):
    """A flow whose executions a Flow trigger's preconditions wait for."""

    java_class = "io.kestra.plugin.core.trigger.Flow.UpstreamFlow"

    namespace: Text
    flow_id: Text | None = Field(None, alias="flowId")
    states: list[StateType] | None = None
    labels: dict[str, Any] | None = None


class Filter(SpecModel):
    """One filter of a precondition `where` block."""

    java_class = "io.kestra.plugin.core.trigger.Flow.Filter"

    field: Literal["FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION"]
    type: Literal[
        "EQUAL_TO",
        "NOT_EQUAL_TO",
        "IN",
        "NOT_IN",
        "IS_TRUE",
        "IS_FALSE",
        "IS_NULL",
        "IS_NOT_NULL",
        "STARTS_WITH",
        "ENDS_WITH",
        "REGEX",
        "CONTAINS",
    ]
    value: Text | None = None
    values: list[Text] | None = None


class ExecutionFilter(SpecModel):
    """A named group of filters on upstream executions."""

    java_class = "io.kestra.plugin.core.trigger.Flow.ExecutionFilter"

    id: Text = Field(min_length=1)
    operand: Literal["AND", "OR"] = "AND"
    filters: list[Filter] = Field(min_length=1)


class Preconditions(SpecModel):
    """Upstream executions that must all happen (within a time window) before triggering."""

    java_class = "io.kestra.plugin.core.trigger.Flow.Preconditions"

    id: TaskId
    time_window: dict[str, Any] | None = Field(None, alias="timeWindow")
    reset_on_success: bool = Field(True, alias="resetOnSuccess")
    flows: list[UpstreamFlow] | None = None
    where: list[ExecutionFilter] | None = None


class Flow(Trigger):
    """Create an execution when executions of other flows end (or match preconditions)."""

    type_names = (TRIG + "Flow", LEGACY_TRIGGER + "Flow")

    inputs: dict[str, Any] | None = None
    states: list[StateType] | None = None
    preconditions: Preconditions | None = None


class Webhook(Trigger):
    """Create an execution when the webhook URL (ending with `key`) is called."""

    type_names = (TRIG + "Webhook", LEGACY_TRIGGER + "Webhook")

    key: Text = Field(max_length=256)
    wait: bool = False
    return_outputs: bool = Field(False, alias="returnOutputs")
    inputs: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _no_multiple_condition(self) -> Webhook:
        if any(c.type.endswith("MultipleCondition") for c in self.conditions or []):
            raise PydanticCustomError(
                "webhook", "invalid webhook: conditions of type MultipleCondition are not supported"
            )
        return self


class Toggle(RunnableTask):
    """Enable or disable a trigger of a flow."""

    type_names = (TRIG + "Toggle", LEGACY + "trigger.Toggle")

    namespace: Text | None = None
    flow_id: Text | None = Field(None, alias="flowId")
    trigger: Text
    enabled: Dynamic[bool] = False


TYPES = (Schedule, ScheduleOnDates, Flow, Webhook, Toggle)
