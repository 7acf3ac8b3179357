"""Pure functions: now, range, max, min, ids, randomInt, fromJson, yaml."""

from __future__ import annotations

import json as jsonlib
import math
import random
import re
import secrets
import time
import uuid as uuid_module
from datetime import UTC, datetime
from typing import Any

import yaml as pyyaml

from executions.templating import dates
from executions.templating.errors import RenderError
from executions.templating.registry import register_function
from executions.templating.state import State
from executions.templating.values import is_number

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NANO_ALPHABET = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_KSUID_EPOCH = 1_400_000_000


def _base62(number: int, width: int = 0) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0") or "0"


@register_function("now")
def now(
    state: State,
    format: str | None = None,
    timeZone: str | None = None,
    existingFormat: str | None = None,
    locale: str | None = None,
) -> str:
    clock = state.functions.clock
    moment = clock() if clock is not None else datetime.now(UTC)
    return dates.format_date(moment, format, timeZone, None, state.timezone)


@register_function("range")
def range_(state: State, start: Any = None, end: Any = None, increment: Any = 1) -> list[Any]:
    """Pebble's range: inclusive of end, over numbers or single characters."""
    if not is_number(increment):
        raise RenderError(f"The increment of the range function must be a number {increment}")
    step = int(increment)
    if step == 0:
        raise RenderError("The increment of the range function must be different than 0")
    if is_number(start) and is_number(end):
        first, last, chars = int(start), int(end), False
    elif isinstance(start, str) and isinstance(end, str) and len(start) == len(end) == 1:
        first, last, chars = ord(start), ord(end), True
    else:
        raise RenderError(
            "Arguments of range function must be of type Number or String with a length of 1"
        )
    count = max(0, (last - first) // step + 1)
    if count > state.limits.max_range:
        raise RenderError(
            f"range() would produce {count} items, more than {state.limits.max_range}"
        )
    values = range(first, last + (1 if step > 0 else -1), step)
    return [chr(value) for value in values] if chars else list(values)


def _extreme(values: tuple[Any, ...], pick_greater: bool) -> Any:
    best = None
    for candidate in values:
        if best is None:
            best = candidate
            continue
        if candidate is None:
            continue
        if not is_number(candidate) or not is_number(best):
            raise RenderError("invalid operands for mathematical comparison")
        if candidate > best if pick_greater else candidate < best:
            best = candidate
    return best


register_function("max")(lambda state, *values: _extreme(values, True))
register_function("min")(lambda state, *values: _extreme(values, False))
register_function("uuid")(lambda state: str(uuid_module.uuid4()))
register_function("id")(lambda state: _base62(uuid_module.uuid4().int))


@register_function("ksuid")
def ksuid(state: State) -> str:
    payload = (int(time.time()) - _KSUID_EPOCH).to_bytes(4, "big") + secrets.token_bytes(16)
    return _base62(int.from_bytes(payload, "big"), 27)


@register_function("nanoId")
def nano_id(state: State, length: Any = 21, alphabet: str = _NANO_ALPHABET) -> str:
    size = int(length)
    if not 0 < size <= 1024 or not alphabet:
        raise RenderError("nanoId expects a length between 1 and 1024 and a non-empty alphabet")
    return "".join(secrets.choice(alphabet) for _ in range(size))


@register_function("randomInt")
def random_int(state: State, lower: Any = None, upper: Any = None) -> int:
    for name, value in (("lower", lower), ("upper", upper)):
        if value is None:
            raise RenderError(f"The 'randomInt' function expects an argument {name}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise RenderError(
                f"The 'randomInt' function expects an argument {name} with type Integer."
            )
    if upper < lower:
        raise RenderError("In 'randomInt' upper is less than lower")
    return int(math.floor(random.random() * (upper - lower)) + lower)  # noqa: S311  (not secret)


@register_function("fromJson", "json")
def from_json(state: State, json: Any = None) -> Any:
    text = json
    if text is None:
        return None
    if not isinstance(text, str):
        raise RenderError("The 'fromJson' function expects an argument 'json' with type string.")
    try:
        return jsonlib.loads(text)
    except ValueError as exc:
        raise RenderError(f"Invalid json: {exc}") from None


class _YamlLoader(pyyaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """YAML as Kestra's Jackson reads it: dates stay text, only true/false are booleans."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(pyyaml.AliasEvent):
            raise RenderError("Invalid yaml: anchors and aliases are not supported")
        return super().compose_node(parent, index)


_YamlLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regex)
        for tag, regex in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in pyyaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@register_function("yaml")
def yaml_function(state: State, yaml: Any = None) -> Any:
    if not isinstance(yaml, str):
        raise RenderError("The 'yaml' function expects an argument 'yaml' with type string.")
    try:
        return pyyaml.load(yaml, Loader=_YamlLoader)  # noqa: S506  (a SafeLoader subclass)
    except pyyaml.YAMLError as exc:
        raise RenderError(f"Invalid yaml: {exc}") from None
