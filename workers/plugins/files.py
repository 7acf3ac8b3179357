"""Internal storage as runnables see it: the Storage contract, kestra:/// paths, working dirs."""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from executions.templating.filters.text import slugify
from workers.plugins.base import RunContext, TaskFailure

SCHEME = "kestra://"


class Storage(Protocol):
    """Relative paths (no scheme, no leading slash) over internal storage."""

    def put(self, path: str, content: bytes | IO[bytes]) -> str: ...  # returns the kestra:/// URI

    def open(self, path: str) -> IO[bytes]: ...

    def exists(self, path: str) -> bool: ...

    def size(self, path: str) -> int: ...

    def delete(self, path: str) -> bool: ...

    def listdir(self, path: str) -> tuple[list[str], list[str]]: ...  # (directories, files)


class PathError(ValueError):
    """A path or URI that would leave its root (`..`, absolute, NUL, another scheme)."""


def clean(path: str, *, allow_empty: bool = False) -> str:
    """A relative, normalised path; refuses traversal."""
    if "\x00" in path or "\\" in path:
        raise PathError(f"Invalid path '{path}'")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or (not parts and not allow_empty):
        raise PathError(f"Invalid path '{path}'")
    return posixpath.join(*parts) if parts else ""


def uri_path(uri: str) -> str:
    if not isinstance(uri, str) or not uri.startswith(SCHEME):
        raise PathError(f"Not an internal storage URI: '{uri}'")
    return clean(uri[len(SCHEME) :])


def to_uri(path: str) -> str:
    return f"{SCHEME}/{clean(path)}"


def namespace_folder(namespace: str) -> str:
    """`company.team` -> `company/team`; an empty segment (`a..b`, `.x`, `..`) would alias
    another namespace's folder, so it is refused."""
    if any(part in ("", "..") for part in str(namespace).split(".")):
        raise PathError(f"Invalid namespace '{namespace}'")
    return clean(str(namespace).replace(".", "/"))


def execution_prefix(variables: dict[str, Any]) -> str:
    flow, execution = variables.get("flow") or {}, variables.get("execution") or {}
    folder = namespace_folder(flow.get("namespace", "_"))
    return clean(f"{folder}/{slugify(flow.get('id', '_'))}/executions/{execution.get('id', '_')}")


def task_prefix(variables: dict[str, Any]) -> str:
    """`<namespace>/<flow>/executions/<execution>/tasks/<task>/<task run>` as Kestra lays it out."""
    task, taskrun = variables.get("task") or {}, variables.get("taskrun") or {}
    run_id = taskrun.get("id") or uuid.uuid4().hex
    return clean(f"{execution_prefix(variables)}/tasks/{task.get('id', '_')}/{run_id}")


def storage(ctx: RunContext) -> Storage:
    if ctx.storage is None:
        raise TaskFailure("Internal storage is not available to this task")
    return ctx.storage  # type: ignore[no-any-return]


def put_task_file(ctx: RunContext, name: str, content: bytes | IO[bytes]) -> str:
    """Store a file of this task run; `name` keeps its extension, prefixed to be unique."""
    unique = f"{uuid.uuid4().hex[:12]}-{posixpath.basename(clean(name))}"
    return storage(ctx).put(f"{task_prefix(ctx.variables)}/{unique}", content)


def open_uri(ctx: RunContext, uri: str) -> IO[bytes]:
    path = uri_path(str(uri))
    if not storage(ctx).exists(path):
        raise TaskFailure(f"File '{uri}' does not exist")
    return storage(ctx).open(path)


def read_bytes(ctx: RunContext, uri: str) -> bytes:
    with open_uri(ctx, uri) as handle:
        return handle.read()


def walk(store: Storage, root: str) -> Iterator[str]:
    """Every file path under `root` (recursively), relative to internal storage."""
    if not store.exists(root):
        return
    directories, files = store.listdir(root)
    for name in sorted(files):
        yield f"{root}/{name}"
    for name in sorted(directories):
        yield from walk(store, f"{root}/{name}")


def download(ctx: RunContext, uri: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_uri(ctx, uri) as source, open(target, "wb") as out:
        while chunk := source.read(1 << 20):
            out.write(chunk)
    return target


_URI = re.compile(r"kestra://[-a-zA-Z0-9%._+~#=/]*")


def localize_uris(ctx: RunContext, text: str, workdir: Path) -> str:
    """Download every kestra:/// URI of `text` into `workdir` and put the local path instead."""

    def local(match: re.Match[str]) -> str:
        name = posixpath.basename(uri_path(match.group()))
        target = workdir / f"{uuid.uuid4().hex[:8]}-{name}"
        return str(download(ctx, match.group(), target))

    return _URI.sub(local, text)


def safe_join(root: Path, relative: str) -> Path:
    """`root/relative`, refusing anything that would leave root."""
    return root / clean(relative)


def matching(root: Path, patterns: list[str]) -> list[Path]:
    """Regular files under root whose relative path matches one of the glob patterns."""
    found = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if any(glob_match(relative, pattern, anywhere=False) for pattern in patterns):
                found.append(path)
    return sorted(found)


def glob_match(relative: str, pattern: str, *, anywhere: bool = True) -> bool:
    """Kestra's globs: `**` crosses folders, `*` does not. With `anywhere` (namespace files),
    a pattern starting with a word character also matches below any folder."""
    pattern = pattern.removeprefix("./").removeprefix("/")
    if anywhere and re.match(r"\w", pattern):
        pattern = "**/" + pattern
    return re.fullmatch(_glob_regex(pattern), relative) is not None


def _glob_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def working_directory(prefix: str = "kestra-") -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix)


@contextlib.contextmanager
def task_directory(ctx: RunContext) -> Iterator[Path]:
    """The enclosing WorkingDirectory's directory (kept), else a fresh one (removed after)."""
    if ctx.workdir is not None:
        yield Path(ctx.workdir)
        return
    with working_directory() as tmp:
        yield Path(tmp)
