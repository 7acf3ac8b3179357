"""Reads of an execution's files in internal storage: resolve a `kestra:///` URI, preview it."""

from __future__ import annotations

import base64
import codecs
import json
import posixpath
from typing import IO, Any

from executions import selectors
from executions.models import Execution
from kestra_site import storage
from kestra_site.errors import InvalidInput, NotFound
from workers.plugins import files as worker_files

PREVIEW_ROWS = 100  # Kestra's kestra.server.preview.initial-rows
PREVIEW_MAX_ROWS = 5000  # ...and max-rows
PREVIEW_MAX_BYTES = 2 * 1024 * 1024
IMAGES = frozenset({"jpg", "jpeg", "png", "svg", "gif", "bmp", "webp"})


def _prefixes(row: Execution) -> set[str]:
    variables = {
        "flow": {"namespace": row.namespace, "id": row.flow_id},
        "execution": {"id": row.id},
    }
    return {
        storage.execution_prefix(row.namespace, row.flow_id, row.id),
        worker_files.execution_prefix(variables),
    }


def execution_file(execution_id: str, uri: str | None) -> tuple[Execution, str]:
    """The execution and the storage path of one of its files. A URI outside the execution's
    folder (another execution, another flow, `..`) is refused (422); a missing file is 404."""
    row = selectors.execution_get(execution_id)
    if not uri:
        raise InvalidInput("is required", path="path")
    try:
        path = storage.uri_path(uri)
    except storage.StoragePathError:
        raise InvalidInput(f"Invalid internal storage URI '{uri}'", path="path") from None
    if not any(path.startswith(prefix + "/") for prefix in _prefixes(row)):
        raise InvalidInput(
            f"Invalid prefix path: '{uri}' is not a file of this execution", path="path"
        )
    if not storage.internal_storage().exists(path):
        raise NotFound(f"File not found: {uri}")
    return row, path


def open_file(path: str) -> IO:
    return storage.internal_storage().open(path, "rb")


def file_size(path: str) -> int:
    return int(storage.internal_storage().size(path))


def _lines(handle: IO, charset: str, rows: int) -> tuple[list[str], bool]:
    reader = codecs.getreader(charset)(handle, errors="replace")
    lines: list[str] = []
    for line in reader:
        if len(lines) == rows:
            return lines, True
        lines.append(line.rstrip("\r\n"))
    return lines, False


def _ion_value(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return line


def preview(path: str, max_rows: int | None, encoding: str | None) -> dict[str, Any]:
    """Kestra's FileRender JSON: extension, type (TEXT, LIST, IMAGE, MARKDOWN, PDF), content
    (text, a list of rows, or base64), maxLine and truncated."""
    rows = PREVIEW_ROWS if max_rows is None else min(max(max_rows, 1), PREVIEW_MAX_ROWS)
    charset = encoding or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        raise InvalidInput(
            f"Unable to preview using encoding '{charset}'", path="encoding"
        ) from None
    extension = posixpath.splitext(path)[1].lstrip(".")
    kind = extension.lower()
    body: dict[str, Any] = {"extension": extension, "maxLine": rows, "truncated": False}
    with open_file(path) as handle:
        if kind in IMAGES or kind == "pdf":
            body["type"] = "PDF" if kind == "pdf" else "IMAGE"
            body["content"] = base64.b64encode(handle.read()).decode()
            return body
        lines, body["truncated"] = _lines(handle, "utf-8" if kind == "md" else charset, rows)
    if kind == "ion":
        body.update(type="LIST", content=[_ion_value(line) for line in lines if line.strip()])
        return body
    text = "\n".join(lines)
    if len(text.encode()) > PREVIEW_MAX_BYTES:
        text = text.encode()[:PREVIEW_MAX_BYTES].decode(errors="ignore")
        body["truncated"] = True
    body.update(type="MARKDOWN" if kind == "md" else "TEXT", content=text)
    return body
