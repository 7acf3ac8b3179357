"""The few Java members templates use on strings, lists and maps (``s.length``, ``s.trim()``).

Pebble reaches any public Java method; we expose a fixed list, implemented here, and never
touch a Python attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from executions.templating import jregex
from executions.templating.errors import AttributeNotFound, RenderError
from executions.templating.values import Entry, is_number, java_str

_Method = Callable[..., Any]


def _substring(text: str, begin: int, end: int | None = None) -> str:
    end = len(text) if end is None else end
    if begin < 0 or end > len(text) or begin > end:
        raise RenderError(f"begin {begin}, end {end}, length {len(text)}")
    return text[begin:end]


def _char_at(text: str, index: int) -> str:
    if not 0 <= index < len(text):
        raise RenderError(f"Index {index} out of bounds for length {len(text)}")
    return text[index]


def _list_get(items: list[Any] | tuple[Any, ...], index: int) -> Any:
    if not 0 <= index < len(items):
        raise RenderError(f"Index {index} out of bounds for length {len(items)}")
    return items[index]


def _index_of(items: Any, value: Any) -> int:
    try:
        return items.index(value)  # type: ignore[no-any-return]
    except ValueError:
        return -1


_STRING_METHODS: dict[str, _Method] = {
    "length": len,
    "isEmpty": lambda s: s == "",
    "isBlank": lambda s: s.strip() == "",
    "toUpperCase": str.upper,
    "toLowerCase": str.lower,
    "trim": lambda s: s.strip(" \t\n\r\x0b\x0c\x00"),
    "strip": str.strip,
    "contains": lambda s, other: java_str(other) in s,
    "startsWith": lambda s, prefix: s.startswith(prefix),
    "endsWith": lambda s, suffix: s.endswith(suffix),
    "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    "indexOf": lambda s, other: s.find(java_str(other)),
    "lastIndexOf": lambda s, other: s.rfind(java_str(other)),
    "substring": _substring,
    "charAt": _char_at,
    "concat": lambda s, other: s + other,
    "replace": lambda s, old, new: s.replace(java_str(old), java_str(new)),
    "replaceAll": lambda s, regex, repl: jregex.replace_all(s, regex, repl),
    "replaceFirst": lambda s, regex, repl: jregex.replace_all(s, regex, repl, count=1),
    "matches": lambda s, regex: jregex.compile_java(regex).fullmatch(s) is not None,
    "split": lambda s, regex, limit=0: jregex.split(s, regex, limit),
}
_LIST_METHODS: dict[str, _Method] = {
    "size": len,
    "isEmpty": lambda items: len(items) == 0,
    "contains": lambda items, value: value in items,
    "get": _list_get,
    "indexOf": _index_of,
    "subList": lambda items, begin, end: list(items)[begin:end],
}
_MAP_METHODS: dict[str, _Method] = {
    "size": len,
    "isEmpty": lambda mapping: len(mapping) == 0,
    "containsKey": lambda mapping, key: key in mapping,
    "containsValue": lambda mapping, value: value in mapping.values(),
    "get": lambda mapping, key: mapping.get(key),
    "getOrDefault": lambda mapping, key, default: mapping.get(key, default),
    "keySet": lambda mapping: list(mapping.keys()),
    "values": lambda mapping: list(mapping.values()),
    "entrySet": lambda mapping: [Entry(key, value) for key, value in mapping.items()],
}
_NUMBER_METHODS: dict[str, _Method] = {
    "intValue": int,
    "longValue": int,
    "doubleValue": float,
}
_COMMON_METHODS: dict[str, _Method] = {
    "toString": java_str,
    "equals": lambda value, other: value == other and type(value) is type(other),
}
# Bean properties: ``list.size``, ``text.length``, ``text.empty``...
_PROPERTIES = {"size": "size", "length": "length", "empty": "isEmpty", "blank": "isBlank"}


def _methods_for(value: Any) -> dict[str, _Method]:
    if isinstance(value, str):
        return _STRING_METHODS
    if isinstance(value, Mapping):
        return _MAP_METHODS
    if isinstance(value, list | tuple | set | frozenset):
        return _LIST_METHODS
    if is_number(value):
        return _NUMBER_METHODS
    return {}


def get_property(value: Any, name: str, lineno: int) -> Any:
    """A Java bean property read without parentheses, or AttributeNotFound."""
    method = _methods_for(value).get(_PROPERTIES.get(name, ""))
    if method is None or isinstance(value, Mapping):
        raise AttributeNotFound(name, lineno)
    return method(value)


def call_method(value: Any, name: str, args: list[Any], lineno: int) -> Any:
    method = _methods_for(value).get(name) or _COMMON_METHODS.get(name)
    if method is None:
        raise AttributeNotFound(name, lineno)
    return method(value, *args)
