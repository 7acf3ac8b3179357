"""Flow inputs: one model per Kestra input type, chosen by `type`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from flows.spec.base import raise_errors
from flows.spec.inputs.models import (
    INPUT_CLASSES,
    INPUT_TYPES,
    ArrayInput,
    BooleanInput,
    BoolInput,
    DateInput,
    DateTimeInput,
    DependsOn,
    DurationInput,
    EmailInput,
    EnumInput,
    FileInput,
    FloatInput,
    Input,
    InputType,
    IntInput,
    JsonInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
    StringInput,
    TimeInput,
    UriInput,
    YamlInput,
)


class _InputDispatch:
    """Choose the input model by `type`, with Kestra's `Invalid type: X` for unknown types."""

    def _validate(self, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, Input):
            return value
        if not isinstance(value, dict):
            raise PydanticCustomError("input", "an input must be an object with `id` and `type`")
        name = value.get("type")
        if name is None:
            raise_errors(
                "input", [(("type",), "missing_type", "missing type id property 'type'", None)]
            )
        cls = INPUT_CLASSES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise_errors("input", [(("type",), "invalid_type", f"Invalid type: {name}", name)])
        return cls.model_validate(value, context=info.context)

    @staticmethod
    def _serialize(value: Any, info: Any) -> Any:
        if not isinstance(value, BaseModel):
            return value
        return value.model_dump(
            mode=info.mode, by_alias=bool(info.by_alias), exclude_none=info.exclude_none
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.with_info_plain_validator_function(
            self._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                self._serialize, info_arg=True
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"oneOf": [handler(cls.__pydantic_core_schema__) for cls in INPUT_CLASSES.values()]}


AnyInput = Annotated[Input, _InputDispatch()]


__all__ = [
    "INPUT_CLASSES",
    "INPUT_TYPES",
    "AnyInput",
    "ArrayInput",
    "BoolInput",
    "BooleanInput",
    "DateInput",
    "DateTimeInput",
    "DependsOn",
    "DurationInput",
    "EmailInput",
    "EnumInput",
    "FileInput",
    "FloatInput",
    "Input",
    "InputType",
    "IntInput",
    "JsonInput",
    "MultiselectInput",
    "SecretInput",
    "SelectInput",
    "StringInput",
    "TimeInput",
    "UriInput",
    "YamlInput",
]
