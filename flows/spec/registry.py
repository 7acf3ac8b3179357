"""The open registry of task, trigger and condition types, fed by `kestra.plugins` entry points."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

from pydantic import (
    BaseModel,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    SerializationInfo,
    ValidationInfo,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from flows.spec.base import raise_errors

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kestra.plugins"
CATEGORIES = ("task", "trigger", "condition")
# A core type whose presence tells the core types are registered.
CORE_MARKER_TYPE = "io.kestra.plugin.core.log.Log"
# Key of the placeholder the dispatch types leave in JSON Schemas (schema.py resolves it).
DISPATCH_KEY = "x-kestra-dispatch"


class TypeRegistry:
    """Maps Kestra type names (canonical and legacy aliases) to the model classes.

    A class declares `plugin_category` ("task", "trigger" or "condition") and `type_names`
    (canonical name first). Types come from `kestra.plugins` entry points: each loads to a
    callable `register(registry)`. The core types register through the same group; if that
    entry point is missing (the project is not pip-installed) they are registered directly.
    """

    def __init__(self, *, autoload: bool = True) -> None:
        self._names: dict[str, dict[str, type[BaseModel]]] = {c: {} for c in CATEGORIES}
        self._classes: dict[str, list[type[BaseModel]]] = {c: [] for c in CATEGORIES}
        self._loaded = not autoload
        self._lock = threading.RLock()
        self.version = 0
        self.load_errors: list[str] = []

    # registration -------------------------------------------------------------------------

    def register(self, cls: type[Any], *, replace: bool = False) -> type[Any]:
        """Register a type class (usable as a decorator); aliases resolve to the same class."""
        category = getattr(cls, "plugin_category", None)
        names = tuple(getattr(cls, "type_names", ()))
        if category not in CATEGORIES:
            raise TypeError(f"{cls.__name__} is not a Task, Trigger or Condition subclass")
        if not names:
            raise TypeError(f"{cls.__name__} declares no type_names")
        with self._lock:
            table = self._names[category]
            for name in names:
                current = table.get(name)
                if current is not None and current is not cls and not replace:
                    raise ValueError(
                        f"{category} type {name} is already registered by "
                        f"{current.__module__}.{current.__qualname__}"
                    )
            for name in names:
                previous = table.get(name)
                if previous is not None and previous is not cls:
                    self._forget(category, previous)
                table[name] = cls
            if cls not in self._classes[category]:
                self._classes[category].append(cls)
            self.version += 1
        return cls

    def unregister(self, cls: type[Any]) -> None:
        """Remove a class and all its names (mostly for tests)."""
        with self._lock:
            self._forget(getattr(cls, "plugin_category", ""), cls)
            self.version += 1

    def _forget(self, category: str, cls: type[Any]) -> None:
        table = self._names.get(category, {})
        for name in [n for n, c in table.items() if c is cls]:
            del table[name]
        if cls in self._classes.get(category, []):
            self._classes[category].remove(cls)

    # loading ------------------------------------------------------------------------------

    def load_plugins(self, entry_points: Iterable[Any] | None = None) -> None:
        """Run each entry point's `register(registry)`: by default every `kestra.plugins`
        entry point installed, else the given ones (after the installed ones). A broken
        plugin is logged, recorded in `load_errors` and skipped; it never stops the others."""
        if entry_points is not None:
            self.ensure_loaded()
        with self._lock:
            if entry_points is None:
                self._loaded = True
                entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
            core_loaded = False
            for point in list(entry_points):
                try:
                    register: Callable[[TypeRegistry], Any] = point.load()
                    register(self)
                except Exception as error:  # a third-party plugin must not break validation
                    message = f"plugin {getattr(point, 'name', point)!r} failed to load: {error!r}"
                    logger.warning(message)
                    self.load_errors.append(message)
                    continue
                core_loaded = core_loaded or getattr(point, "name", None) == "core"
            if not core_loaded and CORE_MARKER_TYPE not in self._names["task"]:
                from flows.spec import core

                core.register(self)

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.load_plugins()

    # lookups ------------------------------------------------------------------------------

    def lookup(self, category: str, name: str) -> type[Any] | None:
        self.ensure_loaded()
        return self._names[category].get(name)

    def task_class(self, name: str) -> type[Any]:
        return self._require("task", name)

    def trigger_class(self, name: str) -> type[Any]:
        return self._require("trigger", name)

    def condition_class(self, name: str) -> type[Any]:
        return self._require("condition", name)

    def _require(self, category: str, name: str) -> type[Any]:
        cls = self.lookup(category, name)
        if cls is None:
            raise KeyError(f"Unknown {category} type: {name}")
        return cls

    def is_legacy(self, category: str, name: str) -> bool:
        """True when `name` is a registered alias, not the canonical name of its class."""
        cls = self.lookup(category, name)
        return cls is not None and cls.type_names[0] != name

    def classes(self, category: str) -> list[type[Any]]:
        self.ensure_loaded()
        return list(self._classes[category])

    def task_types(self) -> list[type[Any]]:
        return self.classes("task")

    def trigger_types(self) -> list[type[Any]]:
        return self.classes("trigger")

    def condition_types(self) -> list[type[Any]]:
        return self.classes("condition")

    def names(self, category: str) -> list[str]:
        """Every accepted name of a category, aliases included, sorted."""
        self.ensure_loaded()
        return sorted(self._names[category])

    def describe(self, category: str | None = None) -> list[dict[str, Any]]:
        """A listing for the API and the editor: one entry per class."""
        entries = []
        for cat in [category] if category else list(CATEGORIES):
            for cls in self.classes(cat):
                doc = (cls.__doc__ or "").strip().splitlines()
                entries.append(
                    {
                        "type": cls.type_names[0],
                        "aliases": list(cls.type_names[1:]),
                        "category": cat,
                        "kind": getattr(cls, "kind", None),
                        "deprecated": bool(getattr(cls, "deprecated", False)),
                        "title": doc[0] if doc else "",
                    }
                )
        return sorted(entries, key=lambda e: (e["category"], e["type"]))


registry = TypeRegistry()


class Dispatch:
    """Annotation marker: validate a dict by the registered class its `type` names.

    Looked up at validation time, so types registered later (plugins) are accepted without
    rebuilding any model. Errors keep their full path, e.g. `tasks[2].then[0].format`.
    """

    def __init__(self, category: str) -> None:
        self.category = category

    def _validate(self, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, BaseModel) and getattr(value, "plugin_category", None) == (
            self.category
        ):
            return value
        if not isinstance(value, dict):
            raise PydanticCustomError(
                "plugin_type",
                "must be an object with a `type`, got {value}",
                {"value": repr(value)[:80]},
            )
        name = value.get("type")
        if name is None:
            raise_errors(
                self.category,
                [(("type",), "missing_type", "missing type id property 'type'", None)],
            )
        cls = registry.lookup(self.category, name) if isinstance(name, str) else None
        if cls is None:
            raise_errors(
                self.category, [(("type",), "invalid_type", f"Invalid type: {name}", name)]
            )
        return cls.model_validate(value, context=info.context)

    @staticmethod
    def _serialize(value: Any, info: SerializationInfo) -> Any:
        if not isinstance(value, BaseModel):
            return value
        return value.model_dump(
            mode=info.mode,
            by_alias=bool(info.by_alias),
            exclude_none=info.exclude_none,
            exclude_defaults=info.exclude_defaults,
            exclude_unset=info.exclude_unset,
            round_trip=info.round_trip,
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
        # A placeholder: flow_json_schema() replaces it by a `$ref` to the `oneOf` of every
        # class registered when the schema is built.
        return {DISPATCH_KEY: self.category}
