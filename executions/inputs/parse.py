"""One raw value to its declared type, then to what is stored (Kestra's parseType)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any

import yaml

from executions.inputs.errors import InvalidValue
from executions.inputs.temporal import (
    iso_time,
    parse_date,
    parse_instant,
    parse_java_duration,
    parse_time,
)
from executions.templating.values import java_datetime, java_duration, java_simple_name, java_str

StoreFile = Callable[[str, "str | bytes | IO[Any]"], str]
Encrypt = Callable[[str], str]

# Kestra's URI check, as is: a scheme, a host with a dot, an optional path.
URI_PATTERN = re.compile(
    r"^[a-z]+://(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
    r"(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*)$"
)
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(
    r"\s*[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?\s*"
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_TEXT_TYPES = ("STRING", "ENUM", "SELECT", "EMAIL")


class _YamlLoader(yaml.SafeLoader):
    """YAML as Jackson reads it: dates stay text, so the value stays JSON-friendly."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class ParseEnv:
    """What parsing needs besides the value: which input, and where files and secrets go."""

    input_id: str
    store_file: StoreFile | None = None
    encrypt: Encrypt | None = None


def _expected(kind: str, value: Any, detail: str) -> InvalidValue:
    return InvalidValue(
        f"Expected `{kind}` but received `{java_str(value)}` with errors:\n```\n{detail}\n```"
    )


def _not_readable(kind: str, value: Any) -> InvalidValue:
    return _expected(kind, value, f"a {java_simple_name(value)} cannot be read as `{kind}`")


def parse_value(kind: str, value: Any, env: ParseEnv, item_type: str | None = None) -> Any:
    """The typed value (datetime, date, time, timedelta, int, float, ...); InvalidValue if not."""
    if kind in _TEXT_TYPES:
        return value
    reader = _READERS.get(kind)
    if reader is not None:
        return reader(kind, value, env)
    if kind in ("ARRAY", "MULTISELECT"):
        return _array(kind, value, env, item_type)
    raise InvalidValue(f"Invalid type: {kind}")


def _int(kind: str, value: Any, env: ParseEnv) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise _not_readable(kind, value)
    if not _INT.fullmatch(value) or not -(2**31) <= int(value) < 2**31:
        raise InvalidValue(f'For input string: "{value}"')
    return int(value)


def _float(kind: str, value: Any, env: ParseEnv) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = java_str(value)
    if not isinstance(value, str) or not _FLOAT.fullmatch(text):
        raise InvalidValue("empty String" if not text.strip() else f'For input string: "{text}"')
    return float(text.strip().rstrip("fFdD").replace("Infinity", "inf"))


def _boolean(kind: str, value: Any, env: ParseEnv) -> bool:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise _not_readable(kind, value)
    # Boolean.valueOf: "true" in any case, anything else is false.
    return value.lower() == "true"


def _temporal(parse: Callable[[Any], Any]) -> Callable[[str, Any, ParseEnv], Any]:
    def read(kind: str, value: Any, env: ParseEnv) -> Any:
        try:
            return parse(value)
        except ValueError as error:
            raise _expected(kind, value, str(error)) from None

    return read


def _secret(kind: str, value: Any, env: ParseEnv) -> str:
    if env.encrypt is None:
        raise InvalidValue("Unable to use a `SECRET` input/output as encryption is not configured")
    if not isinstance(value, str):
        raise InvalidValue(f"Expected `SECRET` but received a {java_simple_name(value)}")
    return value  # encrypted by to_stored, once validated


def _file(kind: str, value: Any, env: ParseEnv) -> Any:
    """Checked only: the content is stored by to_stored, once every input is valid."""
    if isinstance(value, str):
        scheme = _SCHEME.match(value)
        if scheme and scheme.group(1) == "kestra":
            return value
        if scheme:
            raise InvalidValue(
                f"Unsupported file URI scheme `{scheme.group(1)}`, "
                "expected a `kestra:///` URI or an uploaded file"
            )
    elif not isinstance(value, bytes | bytearray) and not hasattr(value, "read"):
        raise _not_readable(kind, value)
    if isinstance(value, bytes | bytearray) and not value:
        raise InvalidValue(f"Can't upload file: {env.input_id}")
    if env.store_file is None:
        raise InvalidValue("Unable to store the file: no internal storage is configured")
    return value


def _is_kestra_uri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("kestra://")


def _json(kind: str, value: Any, env: ParseEnv) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise _expected(kind, value, str(error)) from None


def _yaml(kind: str, value: Any, env: ParseEnv) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.load(value, Loader=_YamlLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        raise _expected(kind, value, str(error)) from None


def _uri(kind: str, value: Any, env: ParseEnv) -> str:
    if not isinstance(value, str):
        raise _not_readable(kind, value)
    if not URI_PATTERN.match(value):
        raise InvalidValue(f"Expected `URI` but received `{value}`")
    return value


def _array(kind: str, value: Any, env: ParseEnv, item_type: str | None) -> list[Any]:
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, str):
        try:
            items = json.loads(value)
        except ValueError as error:
            raise _expected(kind, value, str(error)) from None
        if not isinstance(items, list):
            raise _expected(kind, value, "the JSON value is not an array")
    else:
        raise _not_readable(kind, value)
    if item_type is None:
        return items
    result = []
    for item in items:
        try:
            result.append(parse_value(item_type, item, env))
        except InvalidValue:
            raise InvalidValue(
                f"Unable to parse array element as `{item_type}` on `{java_str(item)}`"
            ) from None
    return result


_READERS: dict[str, Callable[[str, Any, ParseEnv], Any]] = {
    "INT": _int,
    "FLOAT": _float,
    "BOOLEAN": _boolean,
    "BOOL": _boolean,
    "DATETIME": _temporal(parse_instant),
    "DATE": _temporal(parse_date),
    "TIME": _temporal(parse_time),
    "DURATION": _temporal(parse_java_duration),
    "FILE": _file,
    "JSON": _json,
    "YAML": _yaml,
    "URI": _uri,
    "SECRET": _secret,
}


def to_stored(kind: str, value: Any, env: ParseEnv, item_type: str | None = None) -> Any:
    """The typed value as Kestra stores it in `execution.inputs`: JSON data, ISO texts,
    SECRET values encrypted, FILE contents stored (their URI kept)."""
    if value is None:
        return None
    if kind == "SECRET" and env.encrypt is not None:
        return env.encrypt(value)
    if kind == "FILE" and not _is_kestra_uri(value) and env.store_file is not None:
        return str(env.store_file(env.input_id, value))
    if kind in ("ARRAY", "MULTISELECT") and item_type is not None:
        return [to_stored(item_type, item, env) for item in value]
    if isinstance(value, datetime):
        return java_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return iso_time(value)
    if isinstance(value, timedelta):
        return java_duration(value)
    return value
