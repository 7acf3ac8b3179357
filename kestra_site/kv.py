"""The KV store on internal storage (`<namespace>/_kv`), shared by the KV API and the workers."""

from __future__ import annotations

from kestra_site.storage import InternalStorage
from workers.plugins.kvstore import TYPES, Entry, KVError, KVStore, parse_text

__all__ = ["TYPES", "Entry", "KVError", "KVStore", "parse_text", "store"]


def store(namespace: str) -> KVStore:
    """The KV store of a namespace on internal storage."""
    return KVStore(InternalStorage(), namespace)
