"""Dotted input ids as nested maps: `nested.more.int` -> {nested: {more: {int: ...}}}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from executions.inputs.errors import InputProblem


def nest(flat: Mapping[str, Any], strict: bool = True) -> dict[str, Any]:
    """Nest dotted keys; a key both a value and a parent raises InputProblem(message, key)
    (or, not strict, keeps the first one)."""
    result: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        current = result
        for i, part in enumerate(parents):
            child = current.setdefault(part, {})
            if not isinstance(child, dict):
                if not strict:
                    break
                raise InputProblem(f"Conflict at key: '{'.'.join(parents[: i + 1])}'", key)
            current = child
        else:
            if last in current:
                if strict:
                    raise InputProblem(f"Conflict at key: '{key}'", key)
                continue
            current[last] = value
    return result


def lookup(data: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted id: the flat key first, then the nested path; None if absent."""
    if key in data:
        return data[key]
    if "." not in key:
        return None
    current: Any = data
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def has_path(data: Mapping[str, Any], key: str) -> bool:
    """True when the dotted id is set in `data` (flat or nested), even to None."""
    if key in data:
        return True
    current: Any = data
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return True


def put(data: dict[str, Any], key: str, value: Any) -> bool:
    """Set a dotted id in a nested dict; False (nothing set) when a parent is not a map."""
    *parents, last = key.split(".")
    current = data
    for part in parents:
        child = current.setdefault(part, {})
        if not isinstance(child, dict):
            return False
        current = child
    current[last] = value
    return True
