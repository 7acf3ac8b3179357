"""Small models shared by flows, tasks and triggers: labels, worker groups, retries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from flows.spec.base import SpecModel, context_of, raise_errors
from flows.spec.durations import parse_duration
from flows.spec.types import Duration, Text

SYSTEM_PREFIX = "system."
# The one system label a flow may set itself (Kestra's FlowValidator lets it through).
FLOW_ALLOWED_SYSTEM_LABELS = frozenset({"system.readOnly"})


class Label(SpecModel):
    """An execution label; map values are turned into text as Kestra does (42 -> "42")."""

    java_class = "io.kestra.core.models.Label"

    key: Text
    value: Text


def _labels_from_map(value: Any) -> Any:
    """Labels are a list of {key, value} or, historically, a map of key: value."""
    if isinstance(value, dict):
        return [{"key": key, "value": item} for key, item in value.items()]
    return value


def _no_system_labels(labels: list[Label] | None) -> list[Label] | None:
    offending = [
        (
            (index,),
            "system_label",
            "System labels can only be set by Kestra itself, offending "
            f"label: {label.key}={label.value}.",
            label.key,
        )
        for index, label in enumerate(labels or [])
        if label.key.startswith(SYSTEM_PREFIX)
    ]
    if offending:
        raise_errors("labels", offending)
    return labels


Labels = Annotated[
    list[Label],
    BeforeValidator(
        _labels_from_map, json_schema_input_type=list[Label] | dict[str, str | int | float | bool]
    ),
]
# Labels a user sets on what Kestra creates (trigger, subflow and SLA labels): no `system.` keys.
UserLabels = Annotated[Labels, AfterValidator(_no_system_labels)]


class WorkerGroup(SpecModel):
    """Where a task runs: the Celery queue of a worker group, and what to do if none is up."""

    java_class = "io.kestra.core.models.tasks.WorkerGroup"

    key: Annotated[Text, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")] | None = None
    fallback: Literal["FAIL", "WAIT", "CANCEL"] | None = None

    @model_validator(mode="after")
    def _declared(self, info: ValidationInfo) -> WorkerGroup:
        declared = context_of(info).get("worker_groups")
        if declared is not None and self.key is not None and self.key not in declared:
            raise PydanticCustomError(
                "worker_group",
                "Worker group '{key}' is not declared; declared groups: {groups}",
                {"key": self.key, "groups": ", ".join(sorted(declared)) or "(none)"},
            )
        return self


class Retry(SpecModel):
    """Retry policy of a task or a flow (Kestra's constant, exponential and random retries)."""

    java_class = "io.kestra.core.models.tasks.retrys.AbstractRetry"

    type: Literal["constant", "exponential", "random"]
    interval: Duration | None = None
    max_interval: Duration | None = Field(None, alias="maxInterval")
    min_interval: Duration | None = Field(None, alias="minInterval")
    delay_factor: float | None = Field(None, alias="delayFactor")
    max_attempts: int | None = Field(
        None,
        ge=1,
        validation_alias=AliasChoices("maxAttempts", "maxAttempt"),
        serialization_alias="maxAttempts",
    )
    max_duration: Duration | None = Field(None, alias="maxDuration")
    warning_on_retry: bool = Field(False, alias="warningOnRetry")
    behavior: Literal["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"] = "RETRY_FAILED_TASK"

    @model_validator(mode="after")
    def _coherent(self) -> Retry:
        required = {
            "constant": ("interval",),
            "exponential": ("interval", "maxInterval"),
            "random": ("minInterval", "maxInterval"),
        }[self.type]
        values = {
            "interval": self.interval,
            "maxInterval": self.max_interval,
            "minInterval": self.min_interval,
            "maxDuration": self.max_duration,
        }
        missing = [
            ((name,), "missing", "must not be null", None)
            for name in required
            if values[name] is None
        ]
        if missing:
            raise_errors("retry", missing)
        durations = {k: parse_duration(v) for k, v in values.items() if v is not None}
        for shorter, longer in (
            ("interval", "maxDuration"),
            ("interval", "maxInterval"),
            ("minInterval", "maxDuration"),
            ("maxInterval", "maxDuration"),
            ("minInterval", "maxInterval"),
        ):
            if shorter in durations and longer in durations:
                if durations[longer] <= durations[shorter]:
                    raise PydanticCustomError(
                        "retry_order",
                        "'{shorter}' must be less than '{longer}' but is {value}",
                        {"shorter": shorter, "longer": longer, "value": values[shorter]},
                    )
        return self


class NamespaceFiles(SpecModel):
    """Which namespace files are copied into a task's working directory."""

    java_class = "io.kestra.core.models.tasks.NamespaceFiles"

    enabled: bool = True
    include: list[str] | None = None
    exclude: list[str] | None = None
    namespaces: list[str] | None = None
    folder_per_namespace: bool | None = Field(None, alias="folderPerNamespace")
    if_exists: Literal["OVERWRITE", "FAIL", "WARN", "IGNORE"] | None = Field(None, alias="ifExists")
