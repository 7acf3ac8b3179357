"""Shared pieces of the core type modules: name prefixes and loosely-shaped property types."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import (
    BaseModel,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from flows.spec.common import Label
from flows.spec.types import Text

CORE = "io.kestra.plugin.core."
LEGACY = "io.kestra.core.tasks."
LEGACY_CONDITION = "io.kestra.core.models.conditions.types."
LEGACY_TRIGGER = "io.kestra.core.models.triggers.types."


def _dump(value: Any, info: SerializationInfo) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(
            mode=info.mode, by_alias=bool(info.by_alias), exclude_none=info.exclude_none
        )
    if isinstance(value, list):
        return [_dump(item, info) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item, info) for key, item in value.items()}
    return value


# Dump whichever shape `either` kept, as it is.
AS_VALIDATED = PlainSerializer(_dump, return_type=Any)


def either(*options: Any, what: str) -> PlainValidator:
    """Accept the first shape among `options` that validates; else one error naming them."""
    adapters = [TypeAdapter(option) for option in options]

    def validate(value: Any, info: ValidationInfo) -> Any:
        for adapter in adapters:
            try:
                return adapter.validate_python(value, context=info.context)
            except ValidationError:
                continue
        raise PydanticCustomError(
            "either", "must be {what}, got {value}", {"what": what, "value": repr(value)[:80]}
        )

    return PlainValidator(validate, json_schema_input_type=Union[options])  # noqa: UP007


# A string, or a list of strings (Log.message, script commands...).
TextOrList = Annotated[
    str | list[str], either(Text, list[Text], what="a string or a list of strings"), AS_VALIDATED
]
# Values to iterate on: a list, or a string (JSON array or template).
ValuesList = Annotated[
    str | list[Any],
    either(str, list[Any], what="a list or a string (JSON or template)"),
    AS_VALIDATED,
]
# A map of files (name: content/URI), or a string (JSON or template).
FilesMap = Annotated[
    str | dict[str, Any],
    either(dict[str, Any], str, what="a map or a string (JSON or template)"),
    AS_VALIDATED,
]
# Files given as one string, a list, or a map.
FilesSpec = Annotated[
    str | list[str] | dict[str, Any],
    either(str, list[str], dict[str, Any], what="a string, a list of strings or a map"),
    AS_VALIDATED,
]
# Labels given as a map, a list of {key, value}, or a string (JSON or template).
LabelsValue = Annotated[
    dict[str, str] | list[Label] | str,
    either(dict[str, Text], list[Label], str, what="a map, a list of {key, value} or a string"),
    AS_VALIDATED,
]
