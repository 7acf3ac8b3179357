"""ForEachItem children on the executor side: their results, and their flow outputs in storage.

Kestra writes each ended child's flow outputs to `<base>/<iteration>/outputs.ion` under the
`<id>_items` task run's storage folder, where `<id>_merge` (a worker task) gathers them.
"""

from __future__ import annotations

import json

from executions import engine
from executions.engine.foreach_item import child_ids, outputs_base
from executions.models import Execution


def item_results(
    snapshot: engine.Execution, task_run: engine.TaskRun, child: Execution
) -> list[engine.Event]:
    """The result of an ended child not counted yet (none when it was), its outputs stored."""
    if child.id in ((task_run.flowable or {}).get("ended") or {}):
        return []
    ids = child_ids(task_run)
    if child.id not in ids:
        return []
    if child.outputs is not None:
        from kestra_site import storage

        path = f"{outputs_base(snapshot, task_run)}/{ids.index(child.id) + 1}/outputs.ion"
        storage.put(path, json.dumps(child.outputs, separators=(",", ":")) + "\n")
    return [engine.SubflowResult(task_run.id, child.id, child.state, child.outputs)]
