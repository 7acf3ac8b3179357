"""Multi-document YAML sources: split on `---` markers, each document's text kept verbatim."""

from __future__ import annotations

import re

_DOC_START = re.compile(r"^---(?=\s|$)")
_DOC_END = re.compile(r"^\.\.\.(?=\s|$)")


def split_documents(source: str | bytes) -> list[str]:
    """Split a multi-document source on `---` / `...` markers, keeping each text verbatim.

    A document marker at column 0 always ends a document in YAML (even a block scalar), so a
    line scan is exact and also works on documents that do not parse. Empty documents (blank
    or only comments) are dropped.
    """
    text = source.decode("utf-8-sig", "replace") if isinstance(source, bytes) else source
    documents: list[str] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        if _DOC_START.match(line):
            documents.append("".join(current))
            rest = line[3:]
            current = (
                [rest.lstrip(" \t")] if rest.strip() and not rest.strip().startswith("#") else []
            )
        elif _DOC_END.match(line):
            documents.append("".join(current))
            current = []
        else:
            current.append(line)
    documents.append("".join(current))
    return [doc for doc in documents if not _is_empty(doc)]


def _is_empty(document: str) -> bool:
    for line in document.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not stripped.startswith("%"):
            return False
    return True
