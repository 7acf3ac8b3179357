"""The JSON Schema of the flow language, built from the models and the registered types."""

from __future__ import annotations

import copy
import threading
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from flows.spec.flow import Flow
from flows.spec.registry import CATEGORIES, DISPATCH_KEY, registry

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_UNION_DEFS = {"task": "Task", "trigger": "Trigger", "condition": "Condition"}
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def flow_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a flow. Tasks, triggers and conditions are a `oneOf` of
    every registered type (`$defs/Task`, `$defs/Trigger`, `$defs/Condition`), so a plugin's
    types show up as soon as it is registered."""
    registry.ensure_loaded()
    with _lock:
        if _cache.get("version") != registry.version:
            _cache["schema"], _cache["version"] = _build(), registry.version
        return copy.deepcopy(_cache["schema"])


def _build() -> dict[str, Any]:
    plugin_classes: list[type[BaseModel]] = [
        cls for category in CATEGORIES for cls in registry.classes(category)
    ]
    models: list[type[BaseModel]] = [Flow, *plugin_classes]
    keys: list[tuple[type[BaseModel], Literal["validation"]]] = [
        (cls, "validation") for cls in models
    ]
    refs, top = models_json_schema(keys, ref_template="#/$defs/{model}", by_alias=True)
    defs: dict[str, Any] = top.get("$defs", {})
    for category, name in _UNION_DEFS.items():
        choices = [refs[(cls, "validation")] for cls in registry.classes(category)]
        defs[name] = {"oneOf": choices} if choices else {"type": "object"}
        defs[name]["description"] = f"Any registered {category} type, chosen by `type`."
    flow_ref = refs[(Flow, "validation")]["$ref"].rsplit("/", 1)[-1]
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, **defs.pop(flow_ref)}
    schema["$defs"] = defs
    _resolve_placeholders(schema, flow_ref)
    return schema


def _resolve_placeholders(node: Any, flow_ref: str) -> None:
    """Replace dispatch placeholders by `$ref`s (and the Flow's own `$ref` by the root)."""
    if isinstance(node, dict):
        category = node.pop(DISPATCH_KEY, None)
        if category is not None:
            node["$ref"] = f"#/$defs/{_UNION_DEFS[category]}"
        if node.get("$ref") == f"#/$defs/{flow_ref}":
            node["$ref"] = "#"
        for value in node.values():
            _resolve_placeholders(value, flow_ref)
    elif isinstance(node, list):
        for item in node:
            _resolve_placeholders(item, flow_ref)
