"""The storage-backed template functions of a worker: read, fileSize, fileExists and kv."""

from __future__ import annotations

from typing import Any

from workers.plugins import files, namespace
from workers.plugins.kvstore import KVStore


def _storage() -> files.Storage:
    from kestra_site.storage import InternalStorage

    return InternalStorage()


def _path(job_variables: dict[str, Any], path: str) -> str:
    """A kestra:/// URI's storage path, or a namespace file of the flow's namespace."""
    if path.startswith(files.SCHEME):
        return files.uri_path(path)
    flow_namespace = str((job_variables.get("flow") or {}).get("namespace", ""))
    return f"{namespace.root(flow_namespace)}/{files.clean(path)}"


def storage_functions(variables: dict[str, Any]) -> dict[str, Any]:
    """Hooks for executions.templating.Functions (the templating checks URIs belong to the run)."""

    def read(path: str) -> str:
        store, where = _storage(), _path(variables, path)
        if not store.exists(where):
            raise FileNotFoundError(f"Unable to read the file '{path}': it does not exist")
        with store.open(where) as handle:
            return handle.read().decode("utf-8")  # type: ignore[no-any-return]

    def file_size(path: str) -> int:
        return _storage().size(_path(variables, path))

    def file_exists(path: str) -> bool:
        return _storage().exists(_path(variables, path))

    def kv(key: str, namespace_: str | None, error_on_missing: bool) -> Any:
        name = namespace_ or str((variables.get("flow") or {}).get("namespace", ""))
        return KVStore(_storage(), name).value(key)

    return {"read": read, "file_size": file_size, "file_exists": file_exists, "kv": kv}
