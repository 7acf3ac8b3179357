"""Reusable annotated types of the flow language: templated values, durations, ids, enums."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, TypeVar, Union, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from flows.spec.durations import is_duration

T = TypeVar("T")

TEMPLATE_JSON_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r".*\{[{%].*",
    "description": "A Pebble template, rendered at run time",
}


def is_template(value: Any) -> bool:
    """True for a string holding a `{{ expression }}` or `{% tag %}` template."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


class _TemplateOr:
    """Accept a template string wherever Kestra declares a property dynamic but typed."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        members = [arg for arg in get_args(source) if arg is not str] or [str]
        inner_type = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
        inner = handler.generate_schema(inner_type)

        def validate(value: Any, next_: core_schema.ValidatorFunctionWrapHandler) -> Any:
            return value if is_template(value) else next_(value)

        def serialize(value: Any, next_: core_schema.SerializerFunctionWrapHandler) -> Any:
            return value if is_template(value) else next_(value)

        return core_schema.no_info_wrap_validator_function(
            validate,
            inner,
            serialization=core_schema.wrap_serializer_function_ser_schema(serialize, schema=inner),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"anyOf": [handler(schema), dict(TEMPLATE_JSON_SCHEMA)]}


# `Dynamic[int]`: an int, or a string containing `{{`/`{%` (rendered later by the engine).
Dynamic = Annotated[T | str, _TemplateOr()]


def _duration(value: Any) -> Any:
    if not isinstance(value, str) or not is_duration(value):
        raise PydanticCustomError(
            "duration",
            "must be an ISO-8601 duration such as PT5M, PT0.5S or P1D, got {value}",
            {"value": repr(value)},
        )
    return value


# Durations keep their ISO text (PT5M stays PT5M in the Kestra JSON); parse_duration() reads them.
Duration = Annotated[
    str, BeforeValidator(_duration), Field(json_schema_extra={"format": "duration"})
]
DynDuration = Dynamic[Duration]


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as error:
            raise PydanticCustomError(
                "regex", "invalid pattern [{value}]: {error}", {"value": value, "error": str(error)}
            ) from None
    return value


Regex = Annotated[str, AfterValidator(_regex)]

FLOW_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
TASK_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
INPUT_ID_PATTERN = r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$"
TYPE_PATTERN = r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$"

FlowId = Annotated[str, Field(min_length=1, max_length=100, pattern=FLOW_ID_PATTERN)]
Namespace = Annotated[str, Field(min_length=1, max_length=150, pattern=NAMESPACE_PATTERN)]
TaskId = Annotated[str, Field(min_length=1, pattern=TASK_ID_PATTERN)]
InputId = Annotated[str, Field(min_length=1, pattern=INPUT_ID_PATTERN)]


def _scalar_text(value: Any) -> Any:
    """Jackson reads a scalar into a String property as its text: true -> "true", 42 -> "42"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


# A string property that also takes a YAML scalar, as Kestra's String properties do.
Text = Annotated[str, BeforeValidator(_scalar_text)]


class Level(StrEnum):
    """Log levels (slf4j)."""

    ERROR = "ERROR"
    WARN = "WARN"
    INFO = "INFO"
    DEBUG = "DEBUG"
    TRACE = "TRACE"


class StateType(StrEnum):
    """Execution and task run states."""

    CREATED = "CREATED"
    SUBMITTED = "SUBMITTED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RESTARTED = "RESTARTED"
    KILLING = "KILLING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    QUEUED = "QUEUED"
    RETRYING = "RETRYING"
    RETRIED = "RETRIED"
    SKIPPED = "SKIPPED"
    BREAKPOINT = "BREAKPOINT"
    RESUBMITTED = "RESUBMITTED"


TERMINAL_STATES = (
    StateType.SUCCESS,
    StateType.WARNING,
    StateType.FAILED,
    StateType.KILLED,
    StateType.CANCELLED,
    StateType.RETRIED,
    StateType.SKIPPED,
)
