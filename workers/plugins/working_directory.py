"""WorkingDirectory on a worker: its tasks, in order, in one directory (Kestra's Worker.handleTask).

The job's task is the WorkingDirectory with `tasks` as compiled by the engine. Before the tasks:
the cache (`cache {patterns, ttl}`, a zip per flow and task in internal storage) is restored,
then namespace files and `inputFiles` are written. Each task then runs with its own task run id,
variables (`taskrun` with the WorkingDirectory's value, `workerTaskrun`, `workingDir`, the
outputs of the tasks before it) and logs; a failure stops the rest unless the task allows it.
After them: `outputFiles` are stored (the WorkingDirectory's `outputFiles` output) and the cache
is saved when a cached file changed. The result's `children` report each task run for the
engine to record (executions/engine/working_directory.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from executions.engine.model import new_id
from executions.templating.filters.text import slugify
from flows.spec.durations import parse_duration
from workers.plugins import files, namespace
from workers.plugins.base import RunContext, RunResult, run_task, runnable
from workers.plugins.scripts import write_input_files

WORKING_DIRECTORY = "io.kestra.plugin.core.flow.WorkingDirectory"


def _stamp() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def cache_path(variables: dict[str, Any], task_id: str, value: str | None) -> str:
    """`<namespace>/<flow>/<task>/cache[/<hash of the value>]/cache.zip`, as Kestra lays it out."""
    flow = variables.get("flow") or {}
    folder = files.namespace_folder(str(flow.get("namespace", "_")))
    base = f"{folder}/{slugify(str(flow.get('id', '_')))}/{slugify(task_id)}/cache"
    if value is not None:
        base += "/" + hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"{base}/cache.zip"


def _cache_spec(ctx: RunContext) -> dict[str, Any] | None:
    cache = ctx.task.get("cache")
    return cache if isinstance(cache, dict) and cache.get("patterns") else None


def _restore_cache(ctx: RunContext, workdir: Path) -> float:
    """Unzip a live cache into the directory; the time it was restored (0: nothing restored)."""
    cache = _cache_spec(ctx)
    if cache is None:
        return 0.0
    store = files.storage(ctx)
    path = cache_path(ctx.variables, str(ctx.task["id"]), _value(ctx))
    if not store.exists(path):
        return 0.0
    modified = getattr(store, "modified", None)
    if cache.get("ttl") and modified is not None:
        written = modified(path)
        if written.tzinfo is None:
            written = written.replace(tzinfo=UTC)
        if written + parse_duration(str(cache["ttl"])) < datetime.now(UTC):
            ctx.log("DEBUG", "Cache expired, not restoring it")
            return 0.0
    ctx.log("DEBUG", "Cache exists, restoring it")
    with store.open(path) as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        for entry in archive.infolist():
            if entry.is_dir():
                continue
            target = files.safe_join(workdir, entry.filename)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(entry))
    return datetime.now(UTC).timestamp()


def _save_cache(ctx: RunContext, workdir: Path, restored_at: float) -> None:
    cache = _cache_spec(ctx)
    if cache is None:
        return
    matches = files.matching(workdir, [str(p) for p in ctx.render(cache["patterns"])])
    if not any(path.stat().st_mtime > restored_at for path in matches):
        ctx.log("DEBUG", "Cache files didn't change, skip updating it")
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in matches:
            archive.write(path, path.relative_to(workdir).as_posix())
    path = cache_path(ctx.variables, str(ctx.task["id"]), _value(ctx))
    ctx.log("DEBUG", f"Caching in {files.storage(ctx).put(path, buffer.getvalue())}")


def _value(ctx: RunContext) -> str | None:
    value = (ctx.variables.get("taskrun") or {}).get("value")
    return None if value is None else str(value)


def _value_chain(variables: dict[str, Any]) -> list[str]:
    """The loop values the outputs of the WorkingDirectory's tasks are nested under."""
    chain = [
        str(item["taskrun"]["value"])
        for item in reversed(variables.get("parents") or [])
        if (item.get("taskrun") or {}).get("value") is not None
    ]
    own = (variables.get("taskrun") or {}).get("value")
    return chain + ([str(own)] if own is not None else [])


def _with_outputs(
    variables: dict[str, Any], chain: list[str], task_id: str, outputs: dict[str, Any] | None
) -> dict[str, Any]:
    """The variables the next task sees: this task's outputs added (Kestra's forWorker)."""
    if outputs is None:
        return variables
    all_outputs = dict(variables.get("outputs") or {})
    if not chain:
        all_outputs[task_id] = outputs
    else:
        nested: dict[str, Any] = dict(all_outputs.get(task_id) or {})
        all_outputs[task_id] = nested
        for value in chain[:-1]:
            nested[value] = dict(nested.get(value) or {})
            nested = nested[value]
        nested[chain[-1]] = {**(nested.get(chain[-1]) or {}), **outputs}
    return {**variables, "outputs": all_outputs}


def _run_child(
    ctx: RunContext, spec: dict[str, Any], variables: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    parent = variables.get("taskrun") or {}
    child_id = new_id()
    started = _stamp()
    taskrun: dict[str, Any] = {
        "id": child_id,
        "startDate": started[:23] + "Z",
        "attemptsCount": 1,
        "parentId": parent.get("id"),
    }
    if parent.get("value") is not None:
        taskrun["value"] = parent["value"]
    logs: list[dict[str, str]] = []

    def log(level: str, message: str) -> None:
        logs.append({"level": level, "message": message, "timestamp": _stamp()})

    child = dataclasses.replace(
        ctx,
        task=spec,
        variables={
            **variables,
            "task": {"id": spec.get("id"), "type": spec.get("type")},
            "taskrun": taskrun,
            "workerTaskrun": parent,
            "workingDir": str(workdir),
        },
        log=log,
        workdir=workdir,
    )
    result = run_task(child)
    return {
        "id": child_id,
        "taskId": spec.get("id"),
        "state": result.state,
        "outputs": result.outputs,
        "error": result.error,
        "startDate": started,
        "endDate": _stamp(),
        "logs": logs,
    }


def _output_files(ctx: RunContext, workdir: Path) -> dict[str, str] | None:
    patterns = ctx.render(ctx.task.get("outputFiles"))
    if not patterns:
        return None
    uploaded = {}
    for path in files.matching(workdir, [patterns] if isinstance(patterns, str) else patterns):
        with open(path, "rb") as handle:
            uploaded[path.relative_to(workdir).as_posix()] = files.put_task_file(
                ctx, path.name, handle
            )
    return uploaded or None


@runnable(WORKING_DIRECTORY)
def working_directory(ctx: RunContext) -> RunResult:
    """Run the tasks in one directory; FAILED when one fails (the engine then runs `errors`)."""
    children: list[dict[str, Any]] = []
    failed = False
    with files.working_directory() as tmp:
        workdir = Path(tmp)
        prepared = dataclasses.replace(
            ctx, variables={**ctx.variables, "workingDir": str(workdir)}, workdir=workdir
        )
        try:
            restored_at = _restore_cache(prepared, workdir)
            namespace.copy_namespace_files(prepared, workdir)
            write_input_files(prepared, workdir, ctx.task.get("inputFiles"))
        except Exception as error:
            message = f"Failed preExecuteTasks on WorkingDirectory: {error}"
            return RunResult("FAILED", None, message, children=[])
        variables, chain = dict(ctx.variables), _value_chain(ctx.variables)
        for spec in ctx.task.get("tasks") or []:
            if ctx.cancel.cancelled:
                break
            report = _run_child(ctx, spec, variables, workdir)
            children.append(report)
            if report["state"] == "FAILED" and not spec.get("allowFailure"):
                failed = True
                break
            variables = _with_outputs(variables, chain, str(spec.get("id")), report["outputs"])
        try:
            output_files = _output_files(prepared, workdir)
            _save_cache(prepared, workdir, restored_at)
        except Exception as error:
            message = f"Failed postExecuteTasks on WorkingDirectory: {error}"
            return RunResult("FAILED", None, message, children=children)
    if ctx.cancel.cancelled:
        return RunResult("KILLED", None, ctx.cancel.reason, children=children)
    outputs = {"outputFiles": output_files} if output_files else None
    return RunResult("FAILED" if failed else "SUCCESS", outputs, None, children=children)
