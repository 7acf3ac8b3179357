"""Namespace files on internal storage (`<namespace>/_files/...`): the service behind their API."""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from kestra_site.errors import InvalidInput, NotFound
from kestra_site.storage import InternalStorage
from workers.plugins import files, namespace

# Directories exist in internal storage only through their files: an empty one keeps a marker.
MARKER = ".kestra-directory"


def _storage() -> InternalStorage:
    return InternalStorage()


def _relative(path: str | None, *, allow_root: bool = False, field: str = "path") -> str:
    try:
        return files.clean(path or "", allow_empty=allow_root)
    except files.PathError:
        raise InvalidInput(f"Invalid path '{path}'", path=field) from None


def _full(ns: str, relative: str) -> str:
    try:
        root = namespace.root(ns)
    except files.PathError as error:
        raise InvalidInput(str(error), path="namespace") from None
    return f"{root}/{relative}" if relative else root


def _attributes(store: InternalStorage, full: str, name: str, directory: bool) -> dict[str, Any]:
    stamp = 0
    if not directory:
        stamp = int(store.modified(full).timestamp() * 1000)
    return {
        "fileName": name,
        "lastModifiedTime": stamp,
        "creationTime": stamp,
        "type": "Directory" if directory else "File",
        "size": 0 if directory else store.size(full),
        "metadata": {},
    }


def ns_directory_list(ns: str, path: str | None) -> list[dict[str, Any]]:
    store, relative = _storage(), _relative(path, allow_root=True)
    full = _full(ns, relative)
    if relative and not store.exists(full):
        raise NotFound(f"Directory '/{relative}' not found in namespace '{ns}'")
    directories, names = store.listdir(full)
    # Filesystem storage keeps emptied folders: a folder is listed while it holds a file.
    listing = [
        _attributes(store, f"{full}/{d}", d, True)
        for d in sorted(directories)
        if next(files.walk(store, f"{full}/{d}"), None) is not None
    ]
    listing += [_attributes(store, f"{full}/{n}", n, False) for n in sorted(names) if n != MARKER]
    return listing


def ns_directory_create(ns: str, path: str | None) -> None:
    _storage().put(f"{_full(ns, _relative(path))}/{MARKER}", b"")


def ns_file_stats(ns: str, path: str | None) -> dict[str, Any]:
    store, relative = _storage(), _relative(path, allow_root=True)
    full = _full(ns, relative)
    if not relative:
        return _attributes(store, full, "", True)
    if not store.exists(full):
        raise NotFound(f"File '/{relative}' not found in namespace '{ns}'")
    directory = bool(sum(map(len, store.listdir(full))))
    return _attributes(store, full, relative.rsplit("/", 1)[-1], directory)


def ns_file_open(ns: str, path: str | None) -> IO[bytes]:
    store, relative = _storage(), _relative(path)
    full = _full(ns, relative)
    if not store.exists(full) or store.listdir(full) != ([], []):
        raise NotFound(f"File '/{relative}' not found in namespace '{ns}'")
    return store.open(full)


def ns_file_write(ns: str, path: str | None, content: bytes | IO[bytes]) -> str:
    relative = _relative(path)
    if relative.rsplit("/", 1)[-1] == MARKER:
        raise InvalidInput(f"Invalid path '{path}'", path="path")
    return _storage().put(_full(ns, relative), content)


def _paths(ns: str, relative: str) -> list[str]:
    return [
        p
        for p in namespace.list_files(_storage(), ns)
        if p == relative or p.startswith(f"{relative}/") or not relative
    ]


def ns_file_delete(ns: str, path: str | None) -> None:
    store, relative = _storage(), _relative(path)
    found = _paths(ns, relative)
    if not found:
        raise NotFound(f"File '/{relative}' not found in namespace '{ns}'")
    for item in found:
        store.delete(_full(ns, item))


def ns_file_move(ns: str, source: str | None, target: str | None) -> None:
    store = _storage()
    old, new = _relative(source, field="from"), _relative(target, field="to")
    found = _paths(ns, old)
    if not found:
        raise NotFound(f"File '/{old}' not found in namespace '{ns}'")
    for item in found:
        destination = new + item[len(old) :]
        with store.open(_full(ns, item)) as handle:
            store.put(_full(ns, destination), handle.read())
        store.delete(_full(ns, item))


def ns_file_search(ns: str, query: str | None) -> list[str]:
    text = (query or "").lower()
    return [
        f"/{p}"
        for p in namespace.list_files(_storage(), ns)
        if text in p.lower() and not p.endswith(MARKER)
    ]


def ns_files_export(ns: str) -> bytes:
    buffer = io.BytesIO()
    store = _storage()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in namespace.list_files(store, ns):
            if not item.endswith(MARKER):
                with store.open(_full(ns, item)) as handle:
                    archive.writestr(item, handle.read())
    return buffer.getvalue()
