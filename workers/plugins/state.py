"""The state store tasks: state.Get, state.Set, state.Delete (JSON maps kept in the KV store).

As Kestra does since the state store moved onto the KV store: the state `name` of a flow (or of
its whole namespace with `namespace: true`) is the KV key
`<flow slug>_states_tasks-states_<name>[_<murmur3 of taskrun.value>]`, holding a JSON object.
"""

from __future__ import annotations

import json
from typing import Any

from executions.templating.filters.text import slugify
from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, runnable
from workers.plugins.hashing import hash_to_string
from workers.plugins.kvstore import KVError, KVStore

CORE = "io.kestra.plugin.core.state."
LEGACY = "io.kestra.core.tasks.states."
STATE_NAME = "tasks-states"


def _flag(ctx: RunContext, name: str, default: bool) -> bool:
    value = ctx.task.get(name)
    if isinstance(value, str):
        value = ctx.render_string(value)
    if value is None:
        return default
    return value is True or str(value).lower() == "true"


def state_key(flow_id: str | None, name: str, taskrun_value: str | None) -> str:
    """The KV key of a state (`flow_id` None: shared by the namespace)."""
    key = f"states_{STATE_NAME}_{name}"
    if flow_id:
        key = f"{slugify(flow_id)}_{key}"
    if taskrun_value is not None:
        key = f"{key}_{hash_to_string(taskrun_value)}"
    return key


class _State:
    """The state one task addresses: its store (the flow's namespace) and its key."""

    def __init__(self, ctx: RunContext) -> None:
        flow = ctx.variables.get("flow") or {}
        name = ctx.render_string(ctx.property("name", "default")) or "default"
        shared = _flag(ctx, "namespace", False)
        value = (ctx.variables.get("taskrun") or {}).get("value")
        per_value = _flag(ctx, "taskrunValue", True) and value is not None
        self.name = name
        self.key = state_key(
            None if shared else str(flow.get("id", "")), name, str(value) if per_value else None
        )
        self.store = KVStore(files.storage(ctx), str(flow.get("namespace", "")))

    def read(self) -> dict[str, Any] | None:
        try:
            found = self.store.get(self.key)
        except KVError as error:
            raise TaskFailure(f"Invalid state name '{self.name}': {error}") from None
        if found is None:
            return None
        stored = found[1]
        data = json.loads(stored) if isinstance(stored, str) else stored
        return data if isinstance(data, dict) else {}

    def write(self, data: dict[str, Any]) -> None:
        self.store.put(self.key, json.dumps(data, default=str), kv_type="STRING")


def merge(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Kestra's MapUtils.merge: maps merge deeply, lists concatenate, a null keeps the old."""
    result = dict(current)
    for key, value in new.items():
        original = result.get(key)
        if value is None:
            result[key] = original
        elif isinstance(value, dict) and isinstance(original, dict):
            result[key] = merge(original, value)
        elif isinstance(value, list) and isinstance(original, list):
            result[key] = original + value
        else:
            result[key] = value
    return result


@runnable(CORE + "Get", LEGACY + "Get")
def get(ctx: RunContext) -> dict[str, Any]:
    """The state's `data` and its `count` of keys (empty unless `errorOnMissing`)."""
    state = _State(ctx)
    data = state.read()
    if data is None:
        if _flag(ctx, "errorOnMissing", False):
            raise TaskFailure(f"State {state.key} not found")
        data = {}
    return {"count": len(data), "data": data}


@runnable(CORE + "Set", LEGACY + "Set")
def set_(ctx: RunContext) -> dict[str, Any]:
    """Merge the rendered `data` into the state; outputs the merged `count` and the `key`."""
    state = _State(ctx)
    data = ctx.render(ctx.property("data", {}))
    if not isinstance(data, dict):
        raise TaskFailure("`data` must be a map")
    merged = merge(state.read() or {}, data)
    state.write(merged)
    return {"count": len(merged), "key": state.key}


@runnable(CORE + "Delete", LEGACY + "Delete")
def delete(ctx: RunContext) -> dict[str, Any]:
    """Delete the state; `deleted` says whether it existed."""
    state = _State(ctx)
    try:
        deleted = state.store.delete(state.key)
    except KVError as error:
        raise TaskFailure(f"Invalid state name '{state.name}': {error}") from None
    if not deleted and _flag(ctx, "errorOnMissing", False):
        raise TaskFailure(f"Unable to find the state file '{state.name}'")
    return {"deleted": deleted}
