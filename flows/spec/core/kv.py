"""Key-value store tasks: Set, Get, GetKeys, Delete."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from flows.spec.core._common import CORE
from flows.spec.plugins import RunnableTask
from flows.spec.types import Dynamic, DynDuration, Text

FLOW_NAMESPACE = "{{ flow.namespace }}"


class KVTask(RunnableTask):
    """What KV tasks share: the namespace of the store (the flow's by default)."""

    namespace: Text = FLOW_NAMESPACE


class Set(KVTask):
    """Store a value under a key."""

    type_names = (CORE + "kv.Set",)

    key: Text
    value: Any
    overwrite: Dynamic[bool] = True
    ttl: DynDuration | None = None
    kv_type: (
        Literal["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON"] | None
    ) = Field(None, alias="kvType")


class Get(KVTask):
    """Read the value of a key."""

    type_names = (CORE + "kv.Get",)

    key: Text
    error_on_missing: Dynamic[bool] = Field(False, alias="errorOnMissing")


class GetKeys(KVTask):
    """List the keys (with a prefix)."""

    type_names = (CORE + "kv.GetKeys",)

    prefix: Text | None = None


class Delete(KVTask):
    """Delete a key."""

    type_names = (CORE + "kv.Delete",)

    key: Text
    error_on_missing: Dynamic[bool] = Field(False, alias="errorOnMissing")
