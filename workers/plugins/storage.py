"""Internal storage tasks: Write, Concat, Size, Delete, Split, Reverse, PurgeCurrentExecutionFiles,
LocalFiles."""

from __future__ import annotations

import io
import json
import posixpath
import re
from typing import Any

from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, runnable

STORAGE = "io.kestra.plugin.core.storage."
LEGACY = "io.kestra.core.tasks.storages."
_BYTES = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB|TB)?\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def _uri(ctx: RunContext, name: str) -> str:
    uri = ctx.render_string(ctx.task.get(name))
    if not uri:
        raise TaskFailure(f"Missing property `{name}`")
    return uri


def _extension(uri: str, default: str) -> str:
    name = posixpath.basename(uri)
    return name[name.rindex(".") :] if "." in name else default


def _lines(data: bytes) -> list[bytes]:
    """Lines as Java's readLine splits them (\\n, \\r\\n or \\r), without their ends."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").splitlines()


@runnable(STORAGE + "Write")
def write(ctx: RunContext) -> dict[str, Any]:
    """Store the rendered `content` in a file with `extension` (.ion)."""
    content = ctx.render_string(ctx.task.get("content"))
    if content is None:
        raise TaskFailure("Missing property `content`")
    extension = ctx.render_string(ctx.property("extension", ".ion")) or ""
    return {"uri": files.put_task_file(ctx, f"content{extension}", content.encode())}


@runnable(STORAGE + "Concat", LEGACY + "Concat")
def concat(ctx: RunContext) -> dict[str, Any]:
    """Concatenate `files` (a list, or a JSON array string), `separator` after each."""
    raw = ctx.task.get("files")
    if isinstance(raw, str):
        try:
            uris = json.loads(ctx.render_string(raw) or "")
        except ValueError:
            raise TaskFailure("`files` must be a list or a JSON array of URIs") from None
    elif isinstance(raw, list):
        uris = raw
    else:
        raise TaskFailure(f"Invalid `files` properties with type '{type(raw).__name__}'")
    separator = ctx.render_string(ctx.task.get("separator"))
    out = io.BytesIO()
    for uri in uris:
        out.write(files.read_bytes(ctx, ctx.render_string(uri) or ""))
        if separator is not None:
            out.write(separator.encode())
    extension = ctx.render_string(ctx.property("extension", ".tmp")) or ""
    return {"uri": files.put_task_file(ctx, f"concat{extension}", out.getvalue())}


@runnable(STORAGE + "Size", LEGACY + "Size")
def size(ctx: RunContext) -> dict[str, Any]:
    """The `size` in bytes of the file at `uri`."""
    path = files.uri_path(_uri(ctx, "uri"))
    if not files.storage(ctx).exists(path):
        raise TaskFailure(f"File '{ctx.task.get('uri')}' does not exist")
    return {"size": files.storage(ctx).size(path)}


@runnable(STORAGE + "Delete", LEGACY + "Delete")
def delete(ctx: RunContext) -> dict[str, Any]:
    """Delete the file at `uri`; fail when missing only with `errorOnMissing`."""
    uri = _uri(ctx, "uri")
    path = files.uri_path(uri)
    store = files.storage(ctx)
    deleted = store.exists(path) and store.delete(path)
    if not deleted and ctx.property("errorOnMissing", False) is True:
        raise TaskFailure(f"Unable to find file '{uri}'")
    return {"uri": uri, "deleted": bool(deleted)}


def _byte_size(text: str) -> int:
    match = _BYTES.match(text)
    if match is None:
        raise TaskFailure(f"Invalid size with value '{text}'")
    return int(match.group(1)) * _UNITS[(match.group(2) or "B").upper()]


def _int(ctx: RunContext, options: dict[str, Any], name: str) -> int:
    value = options.get(name)
    text = ctx.render_string(value) if isinstance(value, str) else value
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TaskFailure(f"Invalid `{name}`: {value!r}") from None


def split_file(ctx: RunContext, uri: str, options: dict[str, Any]) -> list[str]:
    """Split a file by `bytes`, `partitions` or `rows` (in that order of precedence); each
    line ends with `separator` (\\n). The URIs of the non-empty parts, in order."""
    raw_separator = options.get("separator")
    separator = (ctx.render_string("\n" if raw_separator is None else raw_separator) or "").encode()
    rows = [line + separator for line in _lines(files.read_bytes(ctx, uri))]
    chunks: list[list[bytes]] = []
    if options.get("bytes") is not None:
        limit = _byte_size(ctx.render_string(options["bytes"]) or "")
        used = 0
        for row in rows:
            if not chunks or used >= limit:
                chunks.append([])
                used = 0
            chunks[-1].append(row)
            used += len(row)
    elif options.get("partitions") is not None:
        count = max(_int(ctx, options, "partitions"), 1)
        chunks = [rows[i::count] for i in range(count)]
    elif options.get("rows") is not None:
        per = max(_int(ctx, options, "rows"), 1)
        chunks = [rows[i : i + per] for i in range(0, len(rows), per)]
    else:
        raise TaskFailure("Invalid configuration with no size, count, nor rows")
    extension = _extension(uri, ".tmp")
    return [
        files.put_task_file(ctx, f"split-{i}{extension}", b"".join(chunk))
        for i, chunk in enumerate(chunks)
        if chunk
    ]


@runnable(STORAGE + "Split", LEGACY + "Split")
def split(ctx: RunContext) -> dict[str, Any]:
    """Split a file by `bytes`, `partitions` or `rows`; lines end with `separator` (\\n)."""
    keys = ("bytes", "partitions", "rows", "separator")
    options = {k: ctx.task[k] for k in keys if k in ctx.task}
    return {"uris": split_file(ctx, _uri(ctx, "from"), options)}


@runnable(STORAGE + "Reverse", LEGACY + "Reverse")
def reverse(ctx: RunContext) -> dict[str, Any]:
    """The lines of `from` in reverse order, each followed by `separator` (\\n)."""
    uri = _uri(ctx, "from")
    separator = ctx.render_string(ctx.property("separator", "\n")) or ""
    charset = ctx.render_string(ctx.property("charset", "UTF-8")) or "UTF-8"
    try:
        text = files.read_bytes(ctx, uri).decode(charset)
    except LookupError:
        raise TaskFailure(f"Unknown charset '{charset}'") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").splitlines()
    content = "".join(line + separator for line in reversed(lines)).encode(charset)
    return {"uri": files.put_task_file(ctx, f"reverse{_extension(uri, '.tmp')}", content)}


@runnable(
    STORAGE + "PurgeCurrentExecutionFiles", LEGACY + "PurgeExecution", STORAGE + "PurgeExecution"
)
def purge_current_execution_files(ctx: RunContext) -> dict[str, Any]:
    """Delete every file of the current execution; `uris` lists them."""
    store = files.storage(ctx)
    deleted = []
    for path in list(files.walk(store, files.execution_prefix(ctx.variables))):
        if store.delete(path):
            deleted.append(files.to_uri(path))
    return {"uris": deleted}


@runnable(STORAGE + "LocalFiles", LEGACY + "LocalFiles")
def local_files(ctx: RunContext) -> dict[str, Any]:
    """Deprecated: write `inputs` (name: content or URI) and export `outputs` globs as `uris`."""
    from workers.plugins.scripts import write_input_files

    with files.task_directory(ctx) as workdir:
        write_input_files(ctx, workdir, ctx.task.get("inputs"))
        patterns = ctx.render(ctx.task.get("outputs") or [])
        uris = {}
        for path in files.matching(workdir, [str(p) for p in patterns]):
            with open(path, "rb") as handle:
                uris[path.relative_to(workdir).as_posix()] = files.put_task_file(
                    ctx, path.name, handle
                )
    return {"uris": uris}
