"""Pebble's tests (``x is empty``, ``x is even``...); ``defined`` lives in the runtime."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from executions.templating.errors import RenderError


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        return len(value) == 0
    return False


def _is_even(value: Any) -> bool:
    if value is None:
        raise RenderError('Can not pass null value to "even" test.')
    if isinstance(value, bool) or not isinstance(value, int):
        raise RenderError(f'The "even" test expects an integer, got {value!r}')
    return value % 2 == 0


def _is_json(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


TESTS: dict[str, Callable[..., bool]] = {
    "null": lambda value: value is None,
    "empty": _is_empty,
    "even": _is_even,
    "odd": lambda value: not _is_even(value),
    "iterable": lambda value: isinstance(value, list | tuple | set | frozenset),
    "map": lambda value: isinstance(value, Mapping),
    "json": _is_json,
}
