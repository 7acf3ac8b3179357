"""Number and collection filters: first, last, join, keys, sort, slice, merge, number..."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from executions.templating.errors import RenderError
from executions.templating.numbers import decimal_format, parse_number
from executions.templating.predicates import TESTS
from executions.templating.registry import register_filter
from executions.templating.values import Entry, class_name, is_number, java_str

_SEQUENCES = (list, tuple, set, frozenset)


def _require_list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        kind = class_name(value)
        raise RenderError(f"The '{name}' filter can only be applied to lists, not {kind}")
    return list(value)


@register_filter("abs")
def abs_(value: Any) -> Any:
    if value is None:
        raise RenderError('Can not pass null value to "abs" filter.')
    if not is_number(value):
        raise RenderError("The 'abs' filter does require as input a number.")
    return abs(value)


@register_filter("chunk")
def chunk(value: Any, size: Any = None) -> Any:
    if value is None:
        return None
    if size is None:
        raise RenderError("'chunk' filter expects an argument 'size'.")
    items, step = _require_list(value, "chunk"), int(size)
    if step <= 0:
        raise RenderError("'chunk' filter expects a positive 'size'.")
    return [items[index : index + step] for index in range(0, len(items), step)]


register_filter("className")(lambda value: None if value is None else class_name(value))


@register_filter("default")
def default(value: Any, default: Any = None) -> Any:
    return default if TESTS["empty"](value) else value


@register_filter("distinct")
def distinct(value: Any) -> Any:
    if value is None:
        return None
    unique: list[Any] = []
    for item in _require_list(value, "distinct"):
        if item not in unique:
            unique.append(item)
    return unique


def _edge(value: Any, name: str, index: int) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            raise RenderError(f"The '{name}' filter can not be applied to an empty string")
        return value[index]
    if isinstance(value, _SEQUENCES):
        items = list(value)
        return items[index] if items else None
    raise RenderError(f"The '{name}' filter expects a collection or a string")


register_filter("first")(lambda value: _edge(value, "first", 0))
register_filter("last")(lambda value: _edge(value, "last", -1))


@register_filter("flatten")
def flatten(value: Any) -> Any:
    if value is None:
        return None
    flat: list[Any] = []
    for item in _require_list(value, "flatten"):
        flat.extend(item if isinstance(item, list | tuple) else [item])
    return flat


@register_filter("join")
def join(value: Any, separator: str | None = None) -> Any:
    if value is None:
        return None
    if not isinstance(value, _SEQUENCES):
        raise RenderError(
            "The 'join' filter expects that the input is either a collection or an array."
        )
    return ("" if separator is None else separator).join(java_str(item) for item in value)


@register_filter("keys")
def keys(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.keys())
    if isinstance(value, list | tuple):
        return list(range(len(value)))
    kind = class_name(value)
    raise RenderError(f"'keys' filter can only be applied to List, Map, Array, not {kind}")


@register_filter("values")
def values(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.values())
    raise RenderError(
        f"'values' filter can only be applied to Map. Actual type was: {class_name(value)}"
    )


@register_filter("length")
def length(value: Any) -> int:
    if isinstance(value, str | Mapping | list | tuple | set | frozenset):
        return len(value)
    return 0


@register_filter("merge")
def merge(value: Any, items: Any = None) -> Any:
    if value is None:
        if items is None:
            raise RenderError("The two arguments to be merged are null")
        return items
    if items is None:
        return value
    if isinstance(value, Mapping):
        if isinstance(items, Mapping):
            return {**value, **items}
        if isinstance(items, list | tuple):
            return {**value, **{item: item for item in items}}
        raise RenderError("Currently, only Maps and Lists can be merged with a Map.")
    if isinstance(value, list | tuple):
        if isinstance(items, Mapping):
            return [*value, *(Entry(key, item) for key, item in items.items())]
        if isinstance(items, list | tuple):
            return [*value, *items]
        raise RenderError("Currently, only Maps and Lists can be merged with a List.")
    raise RenderError("The object being filtered is not a Map/List/Array")


register_filter("reverse")(
    lambda value: None if value is None else _require_list(value, "reverse")[::-1]
)


def _sorted(value: Any, reverse: bool) -> Any:
    if value is None:
        return None
    try:
        return sorted(_require_list(value, "sort"), reverse=reverse)
    except TypeError:
        raise RenderError("The 'sort' filter can only sort items of one comparable type") from None


register_filter("sort")(lambda value: _sorted(value, False))
register_filter("rsort")(lambda value: _sorted(value, True))


@register_filter("slice")
def slice_(value: Any, fromIndex: Any = None, toIndex: Any = None) -> Any:
    if value is None:
        return None
    for name, index in (("fromIndex", fromIndex), ("toIndex", toIndex)):
        if index is not None and not is_number(index):
            raise RenderError(f"Argument {name} must be a number. Actual type: {class_name(index)}")
    if not isinstance(value, str | list | tuple):
        kind = class_name(value)
        raise RenderError(
            f"Slice filter can only be applied to String, List and arrays, not {kind}"
        )
    start = int(fromIndex or 0)
    end = len(value) if toIndex is None else int(toIndex)
    if start < 0:
        raise RenderError("fromIndex must be greater than 0")
    if end > len(value):
        raise RenderError(f"toIndex must be smaller than input size: {len(value)}")
    if toIndex is not None and start >= end:
        raise RenderError("toIndex must be greater than fromIndex")
    return value[start:end] if isinstance(value, str) else list(value[start:end])


@register_filter("number")
def number(value: Any, type: str | None = None) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RenderError(
            f"'number' filter can only be applied to String. Actual type was: {class_name(value)}"
        )
    return parse_number(value, type)


@register_filter("numberFormat", "numberformat")
def number_format(value: Any, format: str | None = None) -> Any:
    if value is None:
        return None
    return decimal_format(value, format)
