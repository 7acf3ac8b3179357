"""Namespace files (`<namespace>/_files/...`): UploadFiles, DownloadFiles, DeleteFiles and the
`namespaceFiles` copy into a script's working directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, runnable

NAMESPACE = "io.kestra.plugin.core.namespace."


def root(namespace: str) -> str:
    return f"{files.namespace_folder(namespace)}/_files"


def list_files(store: files.Storage, namespace: str) -> list[str]:
    """Every namespace file as a path relative to the namespace (`dir/file.txt`)."""
    base = root(namespace)
    return [path[len(base) + 1 :] for path in files.walk(store, base)]


def select(paths: list[str], include: list[str] | None, exclude: list[str] | None) -> list[str]:
    """Kestra's include/exclude globs over namespace file paths."""
    chosen = []
    for path in paths:
        if include and not any(files.glob_match(path, p) for p in include):
            continue
        if exclude and any(files.glob_match(path, p) for p in exclude):
            continue
        chosen.append(path)
    return chosen


def _flow_namespace(ctx: RunContext) -> str:
    return str((ctx.variables.get("flow") or {}).get("namespace", ""))


def _patterns(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]


def copy_namespace_files(ctx: RunContext, workdir: Path) -> None:
    """Copy the namespace files `namespaceFiles` selects into the working directory."""
    spec = ctx.render(ctx.task.get("namespaceFiles"))
    if not isinstance(spec, dict) or spec.get("enabled") in (False, "false"):
        return
    store = files.storage(ctx)
    include, exclude = _patterns(spec.get("include")), _patterns(spec.get("exclude"))
    for namespace in spec.get("namespaces") or [_flow_namespace(ctx)]:
        for path in select(list_files(store, namespace), include, exclude):
            target = files.safe_join(workdir, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            with store.open(f"{root(namespace)}/{path}") as source:
                target.write_bytes(source.read())


def _file_list(ctx: RunContext, name: str) -> list[str]:
    value = ctx.render(ctx.task.get(name))
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise TaskFailure(f"`{name}` must be a string or a list of strings")


def _put(ctx: RunContext, namespace: str, path: str, content: Any, conflict: str) -> str | None:
    store = files.storage(ctx)
    target = f"{root(namespace)}/{files.clean(path)}"
    if store.exists(target):
        if conflict == "ERROR":
            raise TaskFailure(f"File '/{files.clean(path)}' already exists in '{namespace}'")
        if conflict == "SKIP":
            return None
    return store.put(target, content)


@runnable(NAMESPACE + "UploadFiles")
def upload_files(ctx: RunContext) -> dict[str, Any]:
    """Upload working-directory files (`files` globs) or `filesMap` (path: URI) to a namespace."""
    namespace = ctx.render_string(ctx.task.get("namespace")) or _flow_namespace(ctx)
    destination = ctx.render_string(ctx.property("destination", "/")) or "/"
    conflict = str(ctx.property("conflict", "OVERWRITE"))
    if ctx.task.get("files") is None and ctx.task.get("filesMap") is None:
        raise TaskFailure("files or filesMap is required")
    uploaded: dict[str, str] = {}
    workdir = ctx.variables.get("workingDir")
    if ctx.task.get("files") is not None:
        if not workdir:
            raise TaskFailure("`files` needs a working directory (use `filesMap`)")
        root_dir = Path(str(workdir))
        for path in files.matching(root_dir, _file_list(ctx, "files")):
            relative = path.relative_to(root_dir).as_posix()
            with open(path, "rb") as handle:
                uri = _put(ctx, namespace, f"{destination}/{relative}", handle, conflict)
            if uri:
                uploaded[relative] = uri
    mapping = ctx.render(ctx.task.get("filesMap"))
    if isinstance(mapping, str):
        mapping = json.loads(mapping)
    for target, source in (mapping or {}).items():
        if not isinstance(source, str):
            raise TaskFailure("filesMap must be a map of paths to internal storage URIs")
        content = files.read_bytes(ctx, source)
        uri = _put(ctx, namespace, f"{destination}/{target}", content, conflict)
        if uri:
            uploaded[str(target)] = uri
    return {"files": uploaded}


@runnable(NAMESPACE + "DownloadFiles")
def download_files(ctx: RunContext) -> dict[str, Any]:
    """Copy the namespace files matching `files` into this task run's internal storage."""
    namespace = ctx.render_string(ctx.task.get("namespace")) or _flow_namespace(ctx)
    destination = ctx.render_string(ctx.property("destination", "")) or ""
    store = files.storage(ctx)
    downloaded = {}
    for path in select(list_files(store, namespace), _file_list(ctx, "files"), None):
        with store.open(f"{root(namespace)}/{path}") as source:
            target = files.clean(f"{files.task_prefix(ctx.variables)}/{destination}/{path}")
            downloaded[f"/{path}"] = store.put(target, source.read())
    return {"files": downloaded}


@runnable(NAMESPACE + "DeleteFiles")
def delete_files(ctx: RunContext) -> dict[str, Any]:
    """Delete the namespace files matching `files`."""
    namespace = ctx.render_string(ctx.task.get("namespace")) or _flow_namespace(ctx)
    store = files.storage(ctx)
    deleted = 0
    for path in select(list_files(store, namespace), _file_list(ctx, "files"), None):
        if store.delete(f"{root(namespace)}/{path}"):
            ctx.log("DEBUG", f"Deleted /{path}")
            deleted += 1
    ctx.log("DEBUG", f"Deleted {deleted} file(s) from '{namespace}'")
    return {}
