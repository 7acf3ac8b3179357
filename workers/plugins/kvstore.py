"""The KV store over internal storage (`<namespace>/_kv/<key>.json`): typed values, expiration.

Pure: it works on any workers.plugins.files.Storage; kestra_site.kv binds it to internal storage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from executions.templating.values import java_duration
from flows.spec.durations import parse_duration
from workers.plugins import files

TYPES = ("STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON")
KEY = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
_DURATION = re.compile(r"^P(?=[^T]|T.)(?:\d*D)?(?:T(?=.)(?:\d*H)?(?:\d*M)?(?:\d*S)?)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class KVError(ValueError):
    """A bad key, type, value or ttl; or a key that exists while overwrite is off."""


@dataclass(frozen=True)
class Entry:
    key: str
    creation_date: str
    update_date: str
    expiration_date: str | None

    def as_json(self, namespace: str) -> dict[str, Any]:
        return {
            "namespace": namespace,
            "key": self.key,
            "creationDate": self.creation_date,
            "updateDate": self.update_date,
            "expirationDate": self.expiration_date,
        }


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def validate_key(key: str) -> str:
    if not key or not KEY.fullmatch(key):
        raise KVError(
            "Key must start with an alphanumeric character (uppercase or lowercase) and can contain"
            " alphanumeric characters (uppercase or lowercase), dots (.), underscores (_), and"
            " hyphens (-) only."
        )
    return key


def infer_type(value: Any) -> str:
    """Kestra's KVType.from, with duration-looking strings read back as DURATION."""
    if value is None:
        return "STRING"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, datetime):
        return "DATETIME"
    if isinstance(value, date):
        return "DATE"
    if isinstance(value, timedelta):
        return "DURATION"
    if isinstance(value, str):
        return "DURATION" if _DURATION.match(value) else "STRING"
    return "JSON"


def convert(value: Any, kv_type: str | None) -> tuple[str, Any]:
    """(type, JSON-storable value): Set's `kvType` conversion of a string, or inference."""
    if kv_type is not None and kv_type not in TYPES:
        raise KVError(f"Invalid kvType '{kv_type}': one of {', '.join(TYPES)}")
    try:
        if kv_type and isinstance(value, str):
            value = _parse_as(value, kv_type)
    except ValueError as error:
        raise KVError(f"Invalid {kv_type} value '{value}': {error}") from None
    kind = kv_type or infer_type(value)
    if isinstance(value, datetime):
        value = _stamp(value)
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, timedelta):
        value = java_duration(value)
    return kind, value


def _parse_as(text: str, kv_type: str) -> Any:
    if kv_type == "NUMBER":
        number = json.loads(text)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError("not a number")
        return number
    if kv_type == "BOOLEAN":
        return text.strip().lower() == "true"
    if kv_type == "DATETIME":
        return _instant(text)
    if kv_type == "DATE":
        return date.fromisoformat(text) if _DATE.match(text) else _instant(text).date()
    if kv_type == "DURATION":
        return parse_duration(text)
    if kv_type == "JSON":
        return json.loads(text)
    return text


def parse_text(body: str) -> Any:
    """A value sent as text (the API's PUT body): JSON, else a timestamp, date, or plain text."""
    try:
        return json.loads(body)
    except ValueError:
        pass
    text = body.strip()
    if _DATE.match(text):
        return date.fromisoformat(text)
    try:
        return _instant(text) if "T" in text and text[:4].isdigit() else text
    except ValueError:
        return text


class KVStore:
    """The key-value store of one namespace."""

    def __init__(
        self, storage: files.Storage, namespace: str, clock: Callable[[], datetime] | None = None
    ):
        self.storage = storage
        self.namespace = namespace
        self.root = f"{files.namespace_folder(namespace)}/_kv"
        self.clock = clock or (lambda: datetime.now(UTC))

    def _path(self, key: str) -> str:
        return f"{self.root}/{validate_key(key)}.json"

    def _load(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if not self.storage.exists(path):
            return None
        with self.storage.open(path) as handle:
            record = json.loads(handle.read().decode("utf-8"))
        expires = record.get("expirationDate")
        if expires and _instant(expires) <= self.clock():
            self.storage.delete(path)
            return None
        return record  # type: ignore[no-any-return]

    def put(
        self,
        key: str,
        value: Any,
        *,
        kv_type: str | None = None,
        ttl: timedelta | str | None = None,
        overwrite: bool = True,
    ) -> None:
        existing = self._load(key)
        if existing is not None and not overwrite:
            raise KVError(
                f"Cannot set value for key '{key}'. Key already exists and `overwrite` is set"
                " to `false`."
            )
        if isinstance(ttl, str):
            ttl = parse_duration(ttl)
        if ttl is not None and ttl < timedelta(0):
            raise KVError("ttl cannot be negative")
        kind, stored = convert(value, kv_type)
        now = self.clock()
        record = {
            "type": kind,
            "value": stored,
            "creationDate": (existing or {}).get("creationDate") or _stamp(now),
            "updateDate": _stamp(now),
            "expirationDate": _stamp(now + ttl) if ttl is not None else None,
        }
        self.storage.put(self._path(key), json.dumps(record).encode())

    def get(self, key: str) -> tuple[str, Any] | None:
        """(type, value) of a live key, or None."""
        record = self._load(key)
        return None if record is None else (record["type"], record["value"])

    def value(self, key: str) -> Any:
        found = self.get(key)
        return None if found is None else found[1]

    def delete(self, key: str) -> bool:
        path = self._path(key)
        return self._load(key) is not None and self.storage.delete(path)

    def entries(self) -> list[Entry]:
        if not self.storage.exists(self.root):
            return []
        result = []
        for name in sorted(self.storage.listdir(self.root)[1]):
            if not name.endswith(".json") or not KEY.fullmatch(name[:-5]):
                continue
            record = self._load(name[:-5])
            if record is not None:
                result.append(
                    Entry(
                        name[:-5],
                        record["creationDate"],
                        record["updateDate"],
                        record.get("expirationDate"),
                    )
                )
        return result

    def keys(self, prefix: str | None = None) -> list[str]:
        return [e.key for e in self.entries() if prefix is None or e.key.startswith(prefix)]
