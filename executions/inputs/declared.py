"""Declared inputs as plain dicts in Kestra's JSON shape, whether given as models or dicts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ARRAY_TYPES = ("ARRAY", "MULTISELECT")


def as_declared(input_: Any) -> dict[str, Any]:
    """A copy of one declared input as a camelCase dict, with `id` and `type` always set."""
    if hasattr(input_, "model_dump"):
        data = dict(input_.model_dump(by_alias=True))
        for key in ("id", "type"):
            if data.get(key) is None:
                data[key] = getattr(input_, key, None)
    elif isinstance(input_, dict):
        data = dict(input_)
    else:
        raise TypeError(f"an input must be a mapping or a flow spec model, got {input_!r}")
    if data.get("id") is None:
        data["id"] = data.get("name")
    if isinstance(data.get("type"), str):
        data["type"] = data["type"].upper()
    return data


def declared_list(declared: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Every declared input once; like Kestra, the first of two inputs sharing an id wins."""
    result: dict[str, dict[str, Any]] = {}
    for item in declared or ():
        data = as_declared(item)
        result.setdefault(str(data["id"]), data)
    return list(result.values())


def is_required(data: dict[str, Any]) -> bool:
    return data.get("required") is not False


def item_type(data: dict[str, Any]) -> str | None:
    """The element type of an ARRAY or MULTISELECT (MULTISELECT defaults to STRING)."""
    kind = data.get("itemType")
    if kind is None and data.get("type") == "MULTISELECT":
        return "STRING"
    return str(kind).upper() if kind is not None else None


def depends_on(data: dict[str, Any]) -> tuple[list[str], str | None]:
    """The ids this input depends on (itself excluded) and its condition, if any."""
    spec = data.get("dependsOn") or {}
    ids = [str(i) for i in spec.get("inputs") or () if str(i) != str(data["id"])]
    return ids, spec.get("condition")
