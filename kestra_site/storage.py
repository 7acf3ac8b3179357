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


# ---- the KV store under /<namespace>/_kv (kept for callers; kestra_site.kv is the full API) ---


def kv_get(namespace: str, key: str) -> tuple[bool, object]:
    """(found, value) of a key of a namespace's KV store."""
    from kestra_site.kv import store

    found = store(namespace).get(key)
    return (False, None) if found is None else (True, found[1])


def kv_put(namespace: str, key: str, value: object) -> None:
    from kestra_site.kv import store

    store(namespace).put(key, value)


def kv_delete(namespace: str, key: str) -> bool:
    from kestra_site.kv import store

    return store(namespace).delete(key)


class InternalStorage:
    """Internal storage as workers.plugins.files.Storage: relative paths, kestra:/// URIs back."""

    def __init__(self, backend=None) -> None:
        self._backend = backend

    @property
    def backend(self):
        return self._backend if self._backend is not None else internal_storage()

    def put(self, path: str, content: bytes | IO) -> str:
        path = clean_path(path)
        data = ContentFile(content) if isinstance(content, bytes) else File(content)
        if self.backend.exists(path):
            self.backend.delete(path)
        return to_uri(self.backend.save(path, data))

    def open(self, path: str) -> IO:
        return self.backend.open(clean_path(path), "rb")

    def exists(self, path: str) -> bool:
        return self.backend.exists(clean_path(path))

    def size(self, path: str) -> int:
        return self.backend.size(clean_path(path))

    def delete(self, path: str) -> bool:
        path = clean_path(path)
        if not self.backend.exists(path):
            return False
        self.backend.delete(path)
        return True

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        try:
            directories, files = self.backend.listdir(clean_path(path))
        except (FileNotFoundError, NotADirectoryError):
            return [], []
        return list(directories), list(files)

    def modified(self, path: str):
        return self.backend.get_modified_time(clean_path(path))
