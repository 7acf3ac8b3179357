"""ForEachItem's internal runnables: split the items into batch files, merge the children's
outputs (the engine runs the subflow executions in between: executions/engine/foreach_item.py)."""

from __future__ import annotations

import io
from typing import Any

from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, runnable
from workers.plugins.storage import split_file

FOREACH_ITEM = "io.kestra.plugin.core.flow.ForEachItem"
SPLIT = FOREACH_ITEM + "$ForEachItemSplit"
MERGE = FOREACH_ITEM + "$ForEachItemMergeOutputs"


@runnable(SPLIT)
def split(ctx: RunContext) -> dict[str, Any]:
    """`items` (a kestra:/// URI) cut by `batch` {rows (1), bytes, partitions, separator}.

    Outputs Kestra's `splits` (a file listing the batch URIs, one a line) and `batches` (the
    same URIs as a list: the engine, which never reads storage, starts a subflow per batch)."""
    uri = ctx.render_string(ctx.task.get("items")) or ""
    if not uri.startswith(files.SCHEME):
        raise TaskFailure(
            f"Unable to split the items from {uri}, this is not an internal storage URI!"
        )
    batch = dict(ctx.task.get("batch") or {})
    if all(batch.get(key) is None for key in ("bytes", "partitions", "rows")):
        batch["rows"] = 1
    batches = split_file(ctx, uri, batch)
    listing = "\n".join(batches).encode()
    return {"splits": files.put_task_file(ctx, "splits.txt", listing), "batches": batches}


def _items_outputs(ctx: RunContext) -> dict[str, Any] | None:
    """The `<id>_items` outputs; inside a loop, those of this iteration (the parent's value)."""
    task_id = str(ctx.task["id"])
    items_id = task_id[: task_id.rindex("_")] + "_items"
    found = (ctx.variables.get("outputs") or {}).get(items_id)
    parent = ctx.variables.get("parent") or {}
    value = (parent.get("taskrun") or {}).get("value")
    if isinstance(found, dict) and value is not None and value in found:
        found = found[value]
    return found if isinstance(found, dict) else None


@runnable(MERGE)
def merge(ctx: RunContext) -> dict[str, Any] | None:
    """One file of every child's flow outputs (`<base>/<iteration>/outputs.ion`), in order."""
    outputs = _items_outputs(ctx)
    base = (outputs or {}).get("subflowOutputsBaseUri")
    if not base:
        return None  # no subflow execution, or no wait
    store = files.storage(ctx)
    root = files.clean(str(base))
    directories, _ = store.listdir(root)
    parts = []
    for name in sorted(directories, key=lambda d: (len(d), d)):  # iterations: 1, 2, ... 10
        path = f"{root}/{name}/outputs.ion"
        if store.exists(path):
            with store.open(path) as handle:
                parts.append(handle.read())
    if not parts:
        return None
    merged = io.BytesIO(b"".join(parts))
    return {"subflowOutputs": files.put_task_file(ctx, "outputs.ion", merged)}
