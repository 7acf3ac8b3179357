"""The pydantic base of every spec model: Kestra's unknown-field rule and Kestra-shaped dumps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, NoReturn

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError


def context_of(info: ValidationInfo | None) -> dict[str, Any]:
    """The validation context validate_flow passes down (empty for programmatic use)."""
    context = info.context if info is not None else None
    return context if isinstance(context, dict) else {}


def raise_errors(
    title: str, errors: Sequence[tuple[tuple[str | int, ...], str, str, Any]]
) -> NoReturn:
    """Raise several located errors at once: (loc, error type, message, input)."""
    details = [
        InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)
        for loc, kind, message, value in errors
    ]
    raise ValidationError.from_exception_data(title, details)


_KNOWN_KEYS: dict[tuple[type, bool], frozenset[str]] = {}


def model_json_schema_extra(schema: dict[str, Any], cls: type[Any]) -> None:
    """No unknown properties; legacy spellings (`maxAttempt`, `taskDefaults`) listed too."""
    schema["additionalProperties"] = False
    properties = schema.setdefault("properties", {})
    for _name, info in cls.model_fields.items():
        if isinstance(info.validation_alias, AliasChoices):
            choices = [c for c in info.validation_alias.choices if isinstance(c, str)]
            primary = next((c for c in choices if c in properties), None)
            for choice in choices:
                if primary is not None and choice not in properties:
                    properties[choice] = {**properties[primary], "deprecated": True}
    for key in cls.legacy_keys:
        properties.setdefault(key, {"deprecated": True})


class SpecModel(BaseModel):
    """Strict about unknown properties (like Kestra's Jackson mapper), lenient on request.

    Attributes are snake_case with Kestra's camelCase as aliases. Dumps leave out what the
    source did not set, so `model_dump(by_alias=True, exclude_none=True, mode="json")` reads
    like the flow that was written.
    """

    model_config = ConfigDict(
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        coerce_numbers_to_str=True,
        arbitrary_types_allowed=False,
        json_schema_extra=model_json_schema_extra,
    )

    # Name used in messages about this model (Kestra names its Java class there).
    java_class: ClassVar[str] = ""
    # Keys a model accepts and folds away in a `before` validator (e.g. taskDefaults).
    legacy_keys: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def spec_class_name(cls) -> str:
        names = getattr(cls, "type_names", ())
        return names[0] if names else (cls.java_class or cls.__name__)

    @classmethod
    def known_keys(cls, aliases_only: bool = True) -> frozenset[str]:
        """The property names a source may use (aliases; field names too for Python callers)."""
        cached = _KNOWN_KEYS.get((cls, aliases_only))
        if cached is not None:
            return cached
        keys: set[str] = set(cls.legacy_keys)
        for name, info in cls.model_fields.items():
            keys.add(info.alias or info.serialization_alias or name)
            if isinstance(info.validation_alias, str):
                keys.add(info.validation_alias)
            elif isinstance(info.validation_alias, AliasChoices):
                keys.update(c for c in info.validation_alias.choices if isinstance(c, str))
            if not aliases_only:
                keys.add(name)
        result = frozenset(keys)
        _KNOWN_KEYS[(cls, aliases_only)] = result
        return result

    @model_validator(mode="wrap")
    @classmethod
    def _unknown_properties(
        cls, data: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        """Unknown properties are violations (strict) or dropped; either way the known ones
        are still validated, so one typo does not hide the other errors."""
        if not isinstance(data, dict):
            return handler(data)
        context = context_of(info)
        known = cls.known_keys(aliases_only=bool(context.get("source")))
        unknown = [key for key in data if key not in known]
        if not unknown:
            return handler(data)
        cleaned = {key: value for key, value in data.items() if key in known}
        if not context.get("strict", True):
            return handler(cleaned)
        name = cls.spec_class_name()
        details = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "unknown_property",
                    f'Unrecognized field "{key}" (class {name}), not marked as ignorable',
                ),
                loc=(str(key),),
                input=data[key],
            )
            for key in unknown
        ]
        try:
            handler(cleaned)
        except ValidationError as error:
            details.extend(
                InitErrorDetails(
                    type=PydanticCustomError(item["type"], item["msg"], item.get("ctx")),
                    loc=item["loc"],
                    input=item.get("input"),
                )
                for item in error.errors(include_url=False)
            )
        raise ValidationError.from_exception_data(cls.__name__, details)

    @model_serializer(mode="wrap")
    def _dump_as_written(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        for name, field in type(self).model_fields.items():
            if name not in self.model_fields_set:
                key = (field.serialization_alias or field.alias or name) if info.by_alias else name
                data.pop(key, None)
        return data
