"""String filters: case, trimming, substrings, replace, encodings, hashes, indentation."""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from executions.templating import jregex
from executions.templating.errors import RenderError
from executions.templating.registry import register_filter
from executions.templating.state import State
from executions.templating.values import java_str, to_output


def _text(value: Any) -> str:
    return java_str(value)


def _title_char(char: str) -> str:
    upper = char.title()
    return upper if len(upper) == 1 else char


@register_filter("abbreviate")
def abbreviate(value: Any, length: int) -> Any:
    if value is None:
        return None
    text, width = _text(value), int(length)
    if width < 0:
        raise RenderError("Invalid argument to abbreviate filter; must be greater than zero")
    if len(text) < width or len(text) <= 3:
        return text
    return text[:width] if width <= 3 else text[: width - 3] + "..."


@register_filter("capitalize")
def capitalize(value: Any) -> Any:
    if value is None:
        return None
    text = _text(value)
    stripped = text.lstrip()
    if not stripped:
        return text
    start = len(text) - len(stripped)
    return text[:start] + _title_char(stripped[0]) + stripped[1:]


@register_filter("title")
def title(value: Any) -> Any:
    if value is None:
        return None
    chars, upper_next = [], True
    for char in _text(value):
        if char.isspace():
            upper_next = True
        elif upper_next:
            char, upper_next = _title_char(char), False
        chars.append(char)
    return "".join(chars)


register_filter("upper")(lambda value: None if value is None else _text(value).upper())
register_filter("lower")(lambda value: None if value is None else _text(value).lower())
register_filter("trim")(
    lambda value: None if value is None else _text(value).strip("".join(map(chr, range(33))))
)


@register_filter("string", state=True)
def string(state: State, value: Any) -> Any:
    return None if value is None else to_output(value, state.limits.max_output)


@register_filter("startsWith")
def starts_with(subject: Any, /, value: Any = None) -> bool:
    return _text(subject).startswith(_text(value))


@register_filter("endsWith")
def ends_with(subject: Any, /, value: Any = None) -> bool:
    return _text(subject).endswith(_text(value))


def _substring(kind: str) -> Callable[..., Any]:
    def apply(value: Any, separator: str | None = None) -> Any:
        if value is None:
            return None
        text = _text(value)
        if separator is None:
            return text if kind in ("before", "beforeLast") else ""
        position = text.find(separator) if kind in ("before", "after") else text.rfind(separator)
        if kind == "before":
            return text if position < 0 or not text else text[:position]
        if kind == "beforeLast":
            return text if position < 0 or not separator else text[:position]
        if kind == "after":
            return "" if position < 0 else text[position + len(separator) :]
        return "" if position < 0 or not separator else text[position + len(separator) :]

    return apply


for _kind in ("before", "after", "beforeLast", "afterLast"):
    register_filter("substring" + _kind[0].upper() + _kind[1:])(_substring(_kind))


@register_filter("slugify")
def slugify(value: Any) -> Any:
    """Kestra's Slugify: ASCII word characters and single dashes, lower case."""
    if value is None:
        return None
    text = unicodedata.normalize("NFD", re.sub(r"[ \t\n\x0b\f\r]", "-", _text(value)))
    text = re.sub(r"[^A-Za-z0-9_-]", "", text).replace("_", "-")
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text.lower()


@register_filter("escapeChar")
def escape_char(value: Any, type: str | None = None) -> Any:
    replacements = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}
    if type is None:
        raise RenderError("The 'escapeChar' filter expects an argument 'type'.")
    if type.lower() not in replacements:
        raise RenderError(
            "The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double',"
            " or 'shell'."
        )
    old, new = replacements[type.lower()]
    return _deep_map(value, lambda text: text.replace(old, new))


def _deep_map(value: Any, apply: Callable[[str], str]) -> Any:
    """Kestra's replace/escapeChar walk: maps and lists recursively, anything else as text."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {key: _deep_map(item, apply) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_deep_map(item, apply) for item in value]
    return apply(_text(value))


@register_filter("replace")
def replace(value: Any, replace_pairs: Any = None, regexp: bool = False) -> Any:
    if value is None:
        return None
    if replace_pairs is None:
        raise RenderError("The argument 'replace_pairs' is required.")
    if not isinstance(replace_pairs, Mapping):
        raise RenderError("The argument 'replace_pairs' must be a map.")
    pairs = [(_text(key), _text(item)) for key, item in replace_pairs.items()]

    def apply(text: str) -> str:
        for old, new in pairs:
            text = jregex.replace_all(text, old, new) if regexp else text.replace(old, new)
        return text

    return _deep_map(value, apply)


@register_filter("split")
def split(value: Any, delimiter: str | None = None, limit: int | None = None) -> Any:
    if value is None:
        return None
    if delimiter is None:
        raise RenderError("missing delimiter parameter in split filter")
    return jregex.split(_text(value), delimiter, 0 if limit is None else int(limit))


@register_filter("urlencode")
def urlencode(value: Any) -> Any:
    return None if value is None else quote_plus(_text(value), safe="*").replace("~", "%7E")


register_filter("urldecode")(lambda value: None if value is None else unquote_plus(_text(value)))
register_filter("base64encode")(
    lambda value: None if value is None else base64.b64encode(_text(value).encode()).decode()
)


@register_filter("base64decode")
def base64decode(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RenderError("This filter applies to String")
    try:
        data = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise RenderError(
            "Please provide a correctly Base64 encoded string containing an UTF-8 string"
        ) from None
    return data.decode("utf-8", errors="replace")


def _hash(algorithm: str, strict: bool) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        if value is None:
            return None
        if strict and not isinstance(value, str):
            raise RenderError("Need a string to hash")
        return hashlib.new(algorithm, _text(value).encode()).hexdigest()

    return apply


for _name in ("md5", "sha1", "sha512"):
    register_filter(_name)(_hash(_name, strict=True))
register_filter("sha256")(_hash("sha256", strict=False))


def _indent(value: Any, amount: Any, prefix: str | None, kind: str, state: State) -> Any:
    if value is None:
        return None
    text = _text(value)
    if not text:
        return text
    if amount is None:
        raise RenderError(f"The '{kind}' filter expects an integer as argument 'amount'.")
    if int(amount) < 0:
        raise RenderError(
            f"The '{kind}' filter expects a positive integer >=0 as argument 'amount'."
        )
    pad = (" " if prefix is None else prefix) * int(amount)
    newline = next((sep for sep in ("\r\n", "\n\r", "\n", "\r") if sep in text), "\n")
    if (text.count(newline) + 1) * len(pad) > state.limits.max_output:
        raise RenderError(f"The '{kind}' filter would exceed the output size limit")
    if kind == "nindent":
        text = newline + text
    return text.replace(newline, newline + pad)


@register_filter("indent", state=True)
def indent(state: State, value: Any, amount: Any = None, prefix: str | None = None) -> Any:
    return _indent(value, amount, prefix, "indent", state)


@register_filter("nindent", state=True)
def nindent(state: State, value: Any, amount: Any = None, prefix: str | None = None) -> Any:
    return _indent(value, amount, prefix, "nindent", state)


def _js_escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1].replace("'", "\\'").replace("/", "\\/")


_ESCAPERS: dict[str, Callable[[str], str]] = {
    "html": lambda text: html.escape(text, quote=True).replace("&#x27;", "&#39;"),
    "js": _js_escape,
    "json": lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    "url_param": lambda text: quote_plus(text, safe="*").replace("~", "%7E"),
}


@register_filter("escape")
def escape(value: Any, strategy: str = "html") -> Any:
    """Pebble's escaper (autoescaping is off in Kestra, the filter still exists)."""
    if value is None:
        return None
    escaper = _ESCAPERS.get(strategy)
    if escaper is None:
        raise RenderError(f"Unknown escaping strategy [{strategy}]")
    return escaper(_text(value))


register_filter("raw")(lambda value: value)
