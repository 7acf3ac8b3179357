"""Fixtures of the flow spec tests: the Kestra conformance corpus and small flow builders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("KESTRA_FLOWS_CORPUS", REPO.parent / "shared" / "kestra-flows"))


def corpus_files(kind: str) -> list[Path]:
    folder = CORPUS / kind
    return sorted(folder.glob("*.y*ml")) if folder.is_dir() else []


def corpus_checks() -> list[dict]:
    path = CORPUS / "CHECKS.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


needs_corpus = pytest.mark.skipif(
    not (CORPUS / "valids").is_dir(), reason="the conformance corpus is not beside the repo"
)


def flow_yaml(tasks: str, extra: str = "", flow_id: str = "f", namespace: str = "io.test") -> str:
    """A flow source with the given `tasks:` block (indented YAML list) and top-level extras."""
    return f"id: {flow_id}\nnamespace: {namespace}\n{extra}tasks:\n{tasks}"


LOG = "  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
