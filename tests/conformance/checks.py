"""The conformance corpus files and its check vocabulary, evaluated on an engine snapshot."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CORPUS = Path(
    os.environ.get(
        "KESTRA_FLOWS_CORPUS",
        Path(__file__).resolve().parents[2].parent / "shared" / "kestra-flows",
    )
)
# Kestra's test configuration (application-test.yml and build.gradle), NOTES.md section 4.
GLOBALS = {"string": "string", "int": 1, "bool": True, "nested": {"int": 2}}
ENVS = {"test1": "true", "test2": "Pass by env"}
ENCRYPTION_KEY = "I6EGNzRESu3X3pKZidrqCGOHQFUFC0yK"


def available() -> bool:
    return (CORPUS / "SCENARIOS.jsonl").exists()


def load_jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CORPUS / name).read_text().splitlines() if line]


def manifest() -> dict[str, list[str]]:
    """Feature tags by corpus file (MANIFEST.tsv)."""
    rows = (CORPUS / "MANIFEST.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    result = {}
    for row in rows[1:]:
        cells = dict(zip(header, row.split("\t"), strict=False))
        result[cells["file"]] = [f for f in cells.get("features_used", "").split(",") if f]
    return result


def path_get(value: Any, path: Any) -> Any:
    """A dotted path (or a list of keys, for keys holding dots) into nested maps and lists."""
    keys = path if isinstance(path, list) else str(path).split(".")
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and str(key).isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        else:
            return None
    return value


def compare(check: dict[str, Any], actual: Any) -> str | None:
    """None when `actual` satisfies the check's equals/contains/matches/..., else why not."""
    if "equals" in check and actual != check["equals"]:
        return f"expected {check['equals']!r}, got {actual!r}"
    if "contains" in check and (actual is None or check["contains"] not in actual):
        return f"expected to contain {check['contains']!r}, got {actual!r}"
    if "matches" in check and not re.fullmatch(check["matches"], str(actual)):
        return f"expected to match {check['matches']!r}, got {actual!r}"
    if "starts_with" in check and not str(actual).startswith(check["starts_with"]):
        return f"expected to start with {check['starts_with']!r}, got {actual!r}"
    if "ends_with" in check and not str(actual).endswith(check["ends_with"]):
        return f"expected to end with {check['ends_with']!r}, got {actual!r}"
    return None


def value_chain(execution: Any, task_run: Any) -> list[str]:
    """Kestra's findParentsValues(taskRun, true): ancestors' values outermost first, then its."""
    by_id = {t.id: t for t in execution.task_run_list}
    chain: list[str] = []
    current = task_run
    while current is not None:
        if current.value is not None:
            chain.append(current.value)
        current = by_id.get(current.parent_task_run_id) if current.parent_task_run_id else None
    return list(reversed(chain))


def evaluate(check: dict[str, Any], execution: Any) -> str | None:
    """One check on an engine `Execution` snapshot; None when it holds. Manual and rejected
    checks are not about an execution: they hold here (see `evaluate_rejection`)."""
    kind = check["kind"]
    if kind == "state":
        return compare(check, execution.state.current.value)
    if kind == "taskrun_count":
        return compare(check, len(execution.task_run_list))
    runs = [t for t in execution.task_run_list if t.task_id == check.get("task")]
    if kind == "task_state":
        if check["equals"] == "absent":
            return None if not runs else f"{check['task']} ran"
        states = {t.state.current.value for t in runs}
        return None if states == {check["equals"]} else f"{check['task']} {sorted(states)}"
    if kind == "task_count":
        return compare(check, len(runs))
    if kind == "attempts":
        return compare(check, len(runs[0].attempts)) if runs else f"{check['task']} absent"
    if kind == "output":
        if "value_chain" in check:
            runs = [t for t in runs if value_chain(execution, t) == check["value_chain"]]
        if not runs:
            return f"no task run {check['task']} {check.get('value_chain', '')}"
        return compare(check, path_get(runs[0].outputs or {}, check["path"]))
    if kind == "label":
        labels = {item["key"]: item["value"] for item in execution.labels}
        return compare(check, labels.get(check["key"]))
    if kind == "flow_output":
        return compare(check, (execution.outputs or {}).get(check["key"]))
    if kind == "input":
        return compare(check, path_get(execution.inputs or {}, check["path"]))
    return None


def evaluate_rejection(check: dict[str, Any], violations: Iterable[Any]) -> str | None:
    """A `rejected` check against violations (objects with `path` and a `str()` message)."""
    found = list(violations)
    if not found:
        return "accepted, expected a rejection"
    if "field" in check and check["field"] not in [v.path for v in found]:
        return f"no violation on {check['field']}: {[str(v) for v in found]}"[:300]
    if "message_contains" in check:
        texts = [str(v) for v in found]
        if not any(check["message_contains"] in text for text in texts):
            return f"expected {check['message_contains']!r} in {texts}"[:300]
    return None


def problems(checks: list[dict[str, Any]], execution: Any) -> list[str]:
    """Every failing execution check, as `kind: why`."""
    out = []
    for check in checks:
        problem = evaluate(check, execution)
        if problem:
            out.append(f"{check['kind']}: {problem}")
    return out


def cluster_env() -> dict[str, str]:
    """Kestra's test configuration: globals, `KESTRA_TEST*` envs, the encryption key."""
    return {
        "KESTRA_GLOBALS": json.dumps(GLOBALS),
        "KESTRA_ENV_VARS_PREFIX": "ENV_",
        "KESTRA_ENCRYPTION_SECRET_KEY": ENCRYPTION_KEY,
        "KESTRA_SWEEP_SECONDS": "2",
        **{f"ENV_{k.upper()}": v for k, v in ENVS.items()},
    }
