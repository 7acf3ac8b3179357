"""KV store tasks: kv.Set, kv.Get, kv.GetKeys, kv.Delete."""

from __future__ import annotations

from typing import Any

from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, runnable
from workers.plugins.kvstore import KVError, KVStore

KV = "io.kestra.plugin.core.kv."


def _store(ctx: RunContext) -> KVStore:
    namespace = ctx.render_string(ctx.property("namespace", "{{ flow.namespace }}"))
    if not namespace:
        raise TaskFailure("Missing property `namespace`")
    return KVStore(files.storage(ctx), namespace)


def _key(ctx: RunContext) -> str:
    key = ctx.render_string(ctx.task.get("key"))
    if not key:
        raise TaskFailure("Missing property `key`")
    return key


def _flag(ctx: RunContext, name: str, default: bool) -> bool:
    value = ctx.task.get(name)
    if isinstance(value, str):
        value = ctx.render_string(value)
    if value is None:
        return default
    return value is True or str(value).lower() == "true"


def _missing(key: str, store: KVStore) -> TaskFailure:
    return TaskFailure(
        f"No value found for key '{key}' in namespace '{store.namespace}' and `errorOnMissing`"
        " is set to true"
    )


@runnable(KV + "Set")
def set_(ctx: RunContext) -> None:
    """Store the rendered `value` under `key` (typed by `kvType`, expiring after `ttl`)."""
    store, key = _store(ctx), _key(ctx)
    raw = ctx.task.get("value")
    if isinstance(raw, str):
        value = ctx.renderer.render_typed(raw, ctx.variables)
    else:
        value = ctx.render(raw)
    ttl = ctx.render_string(ctx.task.get("ttl"))
    kv_type = ctx.task.get("kvType")
    try:
        store.put(
            key,
            value,
            kv_type=str(kv_type) if kv_type else None,
            ttl=ttl or None,
            overwrite=_flag(ctx, "overwrite", True),
        )
    except (KVError, ValueError) as error:
        raise TaskFailure(str(error)) from None


@runnable(KV + "Get")
def get(ctx: RunContext) -> dict[str, Any]:
    """The `value` of `key` (null when missing, unless `errorOnMissing`)."""
    store, key = _store(ctx), _key(ctx)
    try:
        found = store.get(key)
    except KVError as error:
        raise TaskFailure(str(error)) from None
    if found is None and _flag(ctx, "errorOnMissing", False):
        raise _missing(key, store)
    return {"value": None if found is None else found[1]}


@runnable(KV + "GetKeys")
def get_keys(ctx: RunContext) -> dict[str, Any]:
    """The live `keys` of the namespace, those starting with `prefix` when given."""
    prefix = ctx.render_string(ctx.task.get("prefix"))
    return {"keys": _store(ctx).keys(prefix)}


@runnable(KV + "Delete")
def delete(ctx: RunContext) -> dict[str, Any]:
    """Delete `key`; `deleted` says whether it existed."""
    store, key = _store(ctx), _key(ctx)
    try:
        deleted = store.delete(key)
    except KVError as error:
        raise TaskFailure(str(error)) from None
    if not deleted and _flag(ctx, "errorOnMissing", False):
        raise _missing(key, store)
    return {"deleted": deleted}
