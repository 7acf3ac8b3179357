"""Internal storage: Django's storage API behind `kestra:///<namespace>/<flow>/...` URIs."""

from __future__ import annotations

import posixpath
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import storages

SCHEME = "kestra://"


class StoragePathError(ValueError):
    """A URI or path that leaves internal storage (`..`, absolute paths, another scheme)."""


def internal_storage():
    return storages["kestra"]


def namespace_path(namespace: str) -> str:
    return namespace.replace(".", "/")


def execution_prefix(namespace: str, flow_id: str, execution_id: str) -> str:
    return f"{namespace_path(namespace)}/{flow_id}/executions/{execution_id}"


def clean_path(path: str) -> str:
    """A relative storage path, refusing traversal."""
    if "\x00" in path or "\\" in path:
        raise StoragePathError(f"invalid storage path {path!r}")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        raise StoragePathError(f"invalid storage path {path!r}")
    return posixpath.join(*parts)


def uri_path(uri: str) -> str:
    if not uri.startswith(SCHEME):
        raise StoragePathError(f"not an internal storage URI: {uri!r}")
    return clean_path(uri[len(SCHEME) :])


def to_uri(path: str) -> str:
    return f"{SCHEME}/{clean_path(path)}"


def put(path: str, content: bytes | str | IO) -> str:
    """Store content at a path (replacing what was there) and return its `kestra:///` URI."""
    path = clean_path(path)
    storage = internal_storage()
    if isinstance(content, str):
        content = content.encode()
    data = ContentFile(content) if isinstance(content, bytes) else File(content)
    if storage.exists(path):
        storage.delete(path)
    saved = storage.save(path, data)
    return to_uri(saved)


def open_uri(uri: str, mode: str = "rb") -> IO:
    return internal_storage().open(uri_path(uri), mode)


def read_text(uri: str) -> str:
    with open_uri(uri) as handle:
        return handle.read().decode("utf-8")


# ---- the KV store: one JSON document per key under /<namespace>/_kv ------------------------


def kv_path(namespace: str, key: str) -> str:
    return clean_path(f"{namespace_path(namespace)}/_kv/{key}.json")


def kv_get(namespace: str, key: str) -> tuple[bool, object]:
    """(found, value) of a key of a namespace's KV store."""
    import json

    path = kv_path(namespace, key)
    storage = internal_storage()
    if not storage.exists(path):
        return False, None
    with storage.open(path, "rb") as handle:
        return True, json.loads(handle.read().decode("utf-8"))


def kv_put(namespace: str, key: str, value: object) -> str:
    import json

    return put(kv_path(namespace, key), json.dumps(value))


def kv_delete(namespace: str, key: str) -> bool:
    path = kv_path(namespace, key)
    storage = internal_storage()
    if not storage.exists(path):
        return False
    storage.delete(path)
    return True
