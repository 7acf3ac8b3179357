"""How Kestra (Java) turns values into text: printing, toString, JSON, truth and class names."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from executions.templating.errors import RenderError

DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024


class Entry(NamedTuple):
    """A map entry: what iterating over a map yields (``entry.key``, ``entry.value``)."""

    key: Any
    value: Any


def is_number(value: Any) -> bool:
    """A Java Number: int, float or Decimal, never a bool (nor an enum)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool | Enum)


def java_double(value: float) -> str:
    """Java's Double.toString: ``1.0``, ``1.123``, ``1.0E10``, ``1.0E-4``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent = int(exponent) + len(digits) - 1
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{exponent}"


def fraction(micros: int, grouped: bool) -> str:
    """The fraction of a second: in groups of three digits (toString) or trimmed (ISO)."""
    if not micros:
        return ""
    if grouped:
        return f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return "." + f"{micros:06d}".rstrip("0")


def java_time(value: time, seconds: bool = False) -> str:
    """LocalTime.toString: seconds only when non zero (or asked for)."""
    text = f"{value.hour:02d}:{value.minute:02d}"
    if seconds or value.second or value.microsecond:
        text += f":{value.second:02d}" + fraction(value.microsecond, True)
    return text


def offset_id(offset: timedelta | None) -> str:
    """ZoneOffset.getId: ``Z`` or ``+02:00`` (``+05:30:15`` with seconds)."""
    if not offset:
        return "Z"
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def zone_key(zone: tzinfo | None) -> str | None:
    """The region id of a zone (``Europe/Paris``), None for fixed offsets."""
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else None


def java_datetime(value: datetime) -> str:
    """Instant / ZonedDateTime / LocalDateTime toString, as Pebble prints a date."""
    if value.tzinfo is UTC:
        # An Instant (execution.startDate, taskrun.startDate...): seconds always printed.
        return f"{value.date().isoformat()}T{java_time(value.timetz(), True)}Z"
    text = f"{value.date().isoformat()}T{java_time(value.time())}"
    if value.tzinfo is None:
        return text
    text += offset_id(value.utcoffset())
    key = zone_key(value.tzinfo)
    return text + f"[{key}]" if key else text


def java_duration(value: timedelta) -> str:
    """Duration.toString: ``PT5S``, ``PT1H30M``, ``PT0.5S``."""
    micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if micros == 0:
        return "PT0S"
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    seconds, micros = divmod(micros, 1_000_000)
    text = "PT" + (f"{sign}{hours}H" if hours else "") + (f"{sign}{minutes}M" if minutes else "")
    if seconds or micros:
        text += f"{sign}{seconds}" + ("." + f"{micros:06d}".rstrip("0") if micros else "") + "S"
    return text


def iso_datetime(value: datetime) -> str:
    """Jackson's date serialisation: ISO with seconds, ``Z`` for UTC."""
    text = f"{value.date().isoformat()}T{value.strftime('%H:%M:%S')}"
    text += fraction(value.microsecond, value.tzinfo is UTC)
    return text if value.tzinfo is None else text + offset_id(value.utcoffset())


def java_str(value: Any) -> str:
    """Java's toString (``String.valueOf``): ``~``, ``+`` on strings, ``join`` use it."""
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return value.name  # Java's Enum.toString
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Entry):
        return f"{java_str(value.key)}={java_str(value.value)}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(java_str(item) for item in value) + "]"
    return _scalar_str(value)


def _scalar_str(value: Any) -> str:
    if isinstance(value, datetime):
        return java_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return java_time(value)
    if isinstance(value, timedelta):
        return java_duration(value)
    return str(value)


def to_output(value: Any, limit: int = DEFAULT_MAX_OUTPUT) -> str:
    """What ``{{ value }}`` writes: null as nothing, maps and lists as JSON."""
    if isinstance(value, str) and not isinstance(value, Enum):
        return value
    if value is None:
        return ""
    if isinstance(value, Entry):
        return java_str(value)  # Map.Entry prints as key=value
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return to_json(value, limit)
    return java_str(value)


def to_json(value: Any, limit: int = DEFAULT_MAX_OUTPUT) -> str:
    """Compact JSON as Jackson writes it (Java number formats, ISO dates)."""
    parts: list[str] = []
    _JsonWriter(parts, limit).write(value)
    return "".join(parts)


class _JsonWriter:
    def __init__(self, parts: list[str], limit: int) -> None:
        self.parts = parts
        self.size = 0
        self.limit = limit

    def emit(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.limit:
            raise RenderError(f"Rendered output exceeds the limit of {self.limit} characters")
        self.parts.append(text)

    def write(self, value: Any, depth: int = 0) -> None:
        if depth > 200:
            raise RenderError("Value is nested too deeply to be serialized")
        if value is None:
            self.emit("null")
        elif isinstance(value, Enum):
            self.emit(encode_basestring(value.name))
        elif isinstance(value, str):
            self.emit(encode_basestring(value))
        elif isinstance(value, bool):
            self.emit("true" if value else "false")
        elif isinstance(value, int):
            self.emit(str(value))
        elif isinstance(value, float):
            number = java_double(value)
            self.emit(f'"{number}"' if not math.isfinite(value) else number)
        elif isinstance(value, Decimal):
            self.emit(format(value, "f"))
        elif isinstance(value, Entry):
            self.write({value.key: value.value}, depth)
        elif isinstance(value, Mapping):
            self.emit("{")
            for index, (key, item) in enumerate(value.items()):
                self.emit(("," if index else "") + encode_basestring(java_str(key)))
                self.emit(":")
                self.write(item, depth + 1)
            self.emit("}")
        elif isinstance(value, list | tuple | set | frozenset):
            self.emit("[")
            for index, item in enumerate(value):
                if index:
                    self.emit(",")
                self.write(item, depth + 1)
            self.emit("]")
        elif isinstance(value, datetime):
            self.emit(f'"{iso_datetime(value)}"')
        else:
            self.emit(encode_basestring(_scalar_str(value)))


def to_plain(value: Any) -> Any:
    """The value as plain JSON data (dates as ISO text), for jq and YAML."""
    if isinstance(value, Enum):
        return value.name
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Entry):
        return {java_str(value.key): to_plain(value.value)}
    if isinstance(value, Mapping):
        return {java_str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(item) for item in value]
    if isinstance(value, datetime):
        return iso_datetime(value)
    return _scalar_str(value)


def java_simple_name(value: Any) -> str:
    return class_name(value).rsplit(".", 1)[-1]


def to_bool(value: Any, where: str, null_is_false: bool = False) -> bool:
    """Pebble's boolean coercion: numbers are true unless 0, strings unless empty."""
    if isinstance(value, bool):
        return value
    if value is None:
        if null_is_false:
            return False
        raise RenderError(f"null value given to {where} and strict variables is set to true")
    if is_number(value):
        return bool(value != 0)
    if isinstance(value, str):
        return value != ""
    raise RenderError(
        f"Unsupported value type {java_simple_name(value)}. Expected Boolean, String, Number"
        f" in {where}"
    )


_CLASS_NAMES: list[tuple[type | tuple[type, ...], str]] = [
    (bool, "java.lang.Boolean"),
    (str, "java.lang.String"),
    (float, "java.lang.Double"),
    (Decimal, "java.math.BigDecimal"),
    (Entry, "java.util.Map$Entry"),
    (Mapping, "java.util.LinkedHashMap"),
    ((list, tuple), "java.util.ArrayList"),
    ((set, frozenset), "java.util.HashSet"),
    (datetime, "java.time.ZonedDateTime"),
    (date, "java.time.LocalDate"),
    (time, "java.time.LocalTime"),
    (timedelta, "java.time.Duration"),
]


def class_name(value: Any) -> str:
    """The Java class Kestra would hold for this value (``className`` filter)."""
    if isinstance(value, Enum):
        return "java.lang.Enum"
    if isinstance(value, int) and not isinstance(value, bool):
        if -(2**31) <= value < 2**31:
            return "java.lang.Integer"
        return "java.lang.Long" if -(2**63) <= value < 2**63 else "java.math.BigInteger"
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return "java.time.Instant"
    if isinstance(value, datetime) and value.tzinfo is None:
        return "java.time.LocalDateTime"
    for kind, name in _CLASS_NAMES:
        if isinstance(value, kind):
            return name
    return "java.lang.Object"
