"""The input models: what every input has, then one model per Kestra input type."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from flows.spec.base import SpecModel, model_json_schema_extra, raise_errors
from flows.spec.types import Duration, Dynamic, InputId, Regex, Text

INPUT_TYPES = (
    "STRING",
    "ENUM",
    "SELECT",
    "MULTISELECT",
    "INT",
    "FLOAT",
    "BOOLEAN",
    "BOOL",
    "DATETIME",
    "DATE",
    "TIME",
    "DURATION",
    "FILE",
    "JSON",
    "URI",
    "SECRET",
    "ARRAY",
    "YAML",
    "EMAIL",
)
InputType = Literal[INPUT_TYPES]  # the same names, as a type


def _iso(parse: Any, what: str) -> Any:
    def check(value: Any) -> Any:
        if value is None or (isinstance(value, str) and "{{" in value):
            return value
        try:
            parse(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise PydanticCustomError(
                "iso", "must be an ISO-8601 {what}, got {value}", {"what": what, "value": value}
            ) from None
        return str(value)

    return AfterValidator(check)


DateTimeText = Annotated[Text, _iso(datetime.datetime.fromisoformat, "date-time")]
DateText = Annotated[Text, _iso(datetime.date.fromisoformat, "date")]
TimeText = Annotated[Text, _iso(datetime.time.fromisoformat, "time")]


class DependsOn(SpecModel):
    """Inputs this input depends on, and when it is shown."""

    java_class = "io.kestra.core.models.flows.DependsOn"

    inputs: list[str] | None = None
    condition: str | None = None


def _input_schema(schema: dict[str, Any], cls: type[Any]) -> None:
    """`id` or its legacy spelling `name` is required."""
    model_json_schema_extra(schema, cls)
    required = schema.get("required", [])
    if "id" in required:
        required.remove("id")
        schema["anyOf"] = [{"required": ["id"]}, {"required": ["name"]}]


class Input(SpecModel):
    """What every input type has. `name` is the legacy spelling of `id`."""

    model_config = ConfigDict(json_schema_extra=_input_schema)

    java_class = "io.kestra.core.models.flows.Input"
    input_type: ClassVar[str] = ""

    id: InputId
    name: str | None = Field(None, json_schema_extra={"deprecated": True})
    type: str
    description: str | None = None
    display_name: str | None = Field(None, alias="displayName", max_length=64)
    required: bool = True
    defaults: Any = None
    depends_on: DependsOn | None = Field(None, alias="dependsOn")

    @model_validator(mode="before")
    @classmethod
    def _legacy_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("id") is None and data.get("name") is not None:
            return {**data, "id": data["name"]}
        return data


class StringInput(Input):
    type: Literal["STRING"] = "STRING"
    validator: Regex | None = None
    defaults: Text | None = None


class EmailInput(Input):
    type: Literal["EMAIL"] = "EMAIL"
    defaults: Text | None = None


class EnumInput(Input):
    type: Literal["ENUM"] = "ENUM"
    values: list[Regex]
    defaults: Text | None = None


class SelectInput(Input):
    type: Literal["SELECT"] = "SELECT"
    values: list[Regex] | None = None
    expression: str | None = None
    allow_custom_value: bool = Field(False, alias="allowCustomValue")
    is_radio: bool = Field(False, alias="isRadio")
    defaults: Text | None = None


class MultiselectInput(Input):
    type: Literal["MULTISELECT"] = "MULTISELECT"
    options: list[Regex] | None = Field(None, json_schema_extra={"deprecated": True})
    values: list[Regex] | None = None
    expression: str | None = None
    item_type: InputType = Field("STRING", alias="itemType")
    allow_custom_value: bool = Field(False, alias="allowCustomValue")
    defaults: Dynamic[list[Text]] | None = None


class IntInput(Input):
    type: Literal["INT"] = "INT"
    min: int | None = None
    max: int | None = None
    defaults: Dynamic[int] | None = None


class FloatInput(Input):
    type: Literal["FLOAT"] = "FLOAT"
    min: float | None = None
    max: float | None = None
    defaults: Dynamic[float] | None = None


class BooleanInput(Input):
    type: Literal["BOOLEAN"] = "BOOLEAN"
    defaults: Dynamic[bool] | None = None


class BoolInput(Input):
    type: Literal["BOOL"] = "BOOL"
    defaults: Dynamic[bool] | None = None


class DateTimeInput(Input):
    type: Literal["DATETIME"] = "DATETIME"
    after: DateTimeText | None = None
    before: DateTimeText | None = None
    defaults: DateTimeText | None = None


class DateInput(Input):
    type: Literal["DATE"] = "DATE"
    after: DateText | None = None
    before: DateText | None = None
    defaults: DateText | None = None


class TimeInput(Input):
    type: Literal["TIME"] = "TIME"
    after: TimeText | None = None
    before: TimeText | None = None
    defaults: TimeText | None = None


class DurationInput(Input):
    type: Literal["DURATION"] = "DURATION"
    min: Duration | None = None
    max: Duration | None = None
    defaults: Dynamic[Duration] | None = None


class FileInput(Input):
    type: Literal["FILE"] = "FILE"
    extension: str | None = None

    @model_validator(mode="after")
    def _no_defaults(self) -> FileInput:
        if self.defaults is not None:
            raise_errors(
                "file",
                [
                    (
                        ("defaults",),
                        "file_defaults",
                        f"{self.id}: no `defaults` can be set for inputs of type 'FILE'",
                        self.defaults,
                    )
                ],
            )
        return self


class JsonInput(Input):
    type: Literal["JSON"] = "JSON"


class UriInput(Input):
    type: Literal["URI"] = "URI"
    defaults: Text | None = None


class SecretInput(Input):
    type: Literal["SECRET"] = "SECRET"
    validator: Regex | None = None
    defaults: Text | None = None


class ArrayInput(Input):
    type: Literal["ARRAY"] = "ARRAY"
    item_type: InputType = Field(alias="itemType")
    defaults: Dynamic[list[Any]] | None = None

    @model_validator(mode="after")
    def _flat(self) -> ArrayInput:
        if self.item_type == "ARRAY":
            raise_errors(
                "array",
                [
                    (
                        ("itemType",),
                        "array_item_type",
                        f"{self.id}: `itemType` cannot be `ARRAY`",
                        "ARRAY",
                    )
                ],
            )
        return self


class YamlInput(Input):
    type: Literal["YAML"] = "YAML"


INPUT_CLASSES: dict[str, type[Input]] = {}
for _cls, _java in (
    (StringInput, "StringInput"),
    (EnumInput, "EnumInput"),
    (SelectInput, "SelectInput"),
    (MultiselectInput, "MultiselectInput"),
    (IntInput, "IntInput"),
    (FloatInput, "FloatInput"),
    (BooleanInput, "BooleanInput"),
    (BoolInput, "BoolInput"),
    (DateTimeInput, "DateTimeInput"),
    (DateInput, "DateInput"),
    (TimeInput, "TimeInput"),
    (DurationInput, "DurationInput"),
    (FileInput, "FileInput"),
    (JsonInput, "JsonInput"),
    (UriInput, "URIInput"),
    (SecretInput, "SecretInput"),
    (ArrayInput, "ArrayInput"),
    (YamlInput, "YamlInput"),
    (EmailInput, "EmailInput"),
):
    _type = _cls.model_fields["type"].default
    _cls.input_type = _type
    _cls.java_class = f"io.kestra.core.models.flows.input.{_java}"
    INPUT_CLASSES[_type] = _cls
