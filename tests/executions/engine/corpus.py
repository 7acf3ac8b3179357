"""Kestra's conformance corpus through the engine harness: run a scenario, check its checks."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from executions.states import State
from tests.executions.engine.harness import Harness

CORPUS = Path(
    os.environ.get(
        "KESTRA_FLOWS_CORPUS",
        Path(__file__).resolve().parents[3].parent / "shared" / "kestra-flows",
    )
)
GLOBALS = {"string": "string", "int": 1, "bool": True, "nested": {"int": 2}}
ENVS = {"test1": "true", "test2": "Pass by env"}

# Scenarios that need a part of the product the engine does not have: the reason says which.
NEEDS = {
    "kv": "needs the KV store",
    "working-directory": "needs WorkingDirectory files on a worker",
    "local-files": "needs worker files",
    "foreach-item": "needs internal storage (ForEachItem)",
    "file-input": "needs internal storage (FILE inputs)",
    "state-store": "needs the state store",
    "log-fetch": "needs the log repository (executor-side task)",
    "trigger-flow": "needs flow triggers",
    "concurrency": "needs the concurrency limit",
    "sla": "needs SLA",
    "restart": "needs restart/replay",
    "replay": "needs restart/replay",
    "resume-task": "needs the executor-side execution.Resume task (repository)",
}
# Flows that only make sense as the child of a ForEachItem (their input is a batch file).
CHILD_OF_FOREACH_ITEM = {
    "valids/for-each-item-subflow.yaml",
    "valids/for-each-item-outputs-subflow.yaml",
    "valids/for-each-item-subflow-failed.yaml",
}
_REPOSITORY: dict[tuple[str, str], str] = {}


def repository() -> dict[tuple[str, str], str]:
    """Every valid flow by (namespace, id): where a Subflow finds a flow not co-loaded."""
    if not _REPOSITORY:
        import yaml

        for path in sorted((CORPUS / "valids").glob("*.y*ml")):
            text = path.read_text()
            data = yaml.safe_load(text) or {}
            _REPOSITORY.setdefault((data.get("namespace"), data.get("id")), text)
    return _REPOSITORY


SKIPPED_RUNS = {
    "parse+validate": "flow validation (not an engine scenario)",
    "readExecutionInputs": "input validation (not an engine scenario)",
    "triggered": "needs flow triggers",
    "as subflow of task-flow": "needs flow repository",
}


@dataclass
class Result:
    scenario: dict[str, Any]
    status: str  # pass | fail | skip | error
    reason: str = ""


def load_jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CORPUS / name).read_text().splitlines() if line]


def manifest() -> dict[str, list[str]]:
    rows = (CORPUS / "MANIFEST.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    result = {}
    for row in rows[1:]:
        cells = dict(zip(header, row.split("\t"), strict=False))
        result[cells["file"]] = [f for f in cells.get("features_used", "").split(",") if f]
    return result


def _inputs(scenario: dict[str, Any], source: str) -> dict[str, Any] | None:
    inputs = scenario.get("inputs")
    if scenario.get("input_mode") != "typed" or inputs is None:
        return inputs
    try:
        import yaml

        from executions.inputs import read_inputs

        declared = (yaml.safe_load(source) or {}).get("inputs") or []
        return read_inputs(declared, inputs)
    except ImportError:
        return inputs


def run_scenario(scenario: dict[str, Any]) -> Harness:
    source = (CORPUS / scenario["file"]).read_text()
    flows: dict[tuple[str, str], Any] = dict(repository())
    for name in scenario.get("co_loaded") or []:
        text = (CORPUS / "valids" / name).read_text()
        import yaml

        data = yaml.safe_load(text)
        flows[(data["namespace"], data["id"])] = text
    labels = [{"key": k, "value": v} for k, v in scenario.get("execution_labels") or []]
    harness = Harness.of(
        source,
        inputs=_inputs(scenario, source),
        labels=labels,
        flows=flows,
        envs=ENVS,
        globals=GLOBALS,
    )
    until = None
    if (
        str(scenario.get("run", "")).startswith("runOneUntilPaused")
        and scenario.get("expect", {}).get("state") == "PAUSED"
    ):

        def until(execution: Any) -> bool:
            return execution.state.current is State.PAUSED

    harness.run(until=until)
    return harness


def _path(value: Any, path: Any) -> Any:
    keys = path if isinstance(path, list) else str(path).split(".")
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and str(key).isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        else:
            return None
    return value


def _compare(check: dict[str, Any], actual: Any) -> str | None:
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


def evaluate(check: dict[str, Any], harness: Harness) -> str | None:
    """None when the check holds, else why not; manual and rejected checks are not ours."""
    from executions.engine.context import Run

    execution = harness.execution
    kind = check["kind"]
    if kind == "state":
        return _compare(check, execution.state.current.value)
    if kind == "taskrun_count":
        return _compare(check, len(execution.task_run_list))
    runs = harness.task_runs(check["task"]) if "task" in check else []
    if kind == "task_state":
        if check["equals"] == "absent":
            return None if not runs else f"{check['task']} ran"
        states = {t.state.current.value for t in runs}
        return None if states == {check["equals"]} else f"{check['task']} {sorted(states)}"
    if kind == "task_count":
        return _compare(check, len(runs))
    if kind == "attempts":
        return _compare(check, len(runs[0].attempts)) if runs else f"{check['task']} absent"
    if kind == "output":
        if "value_chain" in check:
            run = Run(harness.flow, execution, harness.now, None, harness.ids, {})
            runs = [t for t in runs if run.value_chain(t) == check["value_chain"]]
        if not runs:
            return f"no task run {check['task']} {check.get('value_chain', '')}"
        return _compare(check, _path(runs[0].outputs or {}, check["path"]))
    if kind == "label":
        labels = {item["key"]: item["value"] for item in execution.labels}
        return _compare(check, labels.get(check["key"]))
    if kind == "flow_output":
        return _compare(check, (execution.outputs or {}).get(check["key"]))
    if kind == "input":
        return _compare(check, _path(execution.inputs or {}, check["path"]))
    return None


def unsupported(scenario: dict[str, Any], features: list[str]) -> str | None:
    if scenario.get("run") in SKIPPED_RUNS:
        return SKIPPED_RUNS[scenario["run"]]
    if scenario["file"].startswith("invalids/"):
        return "invalid flow (not an engine scenario)"
    if scenario["file"] in CHILD_OF_FOREACH_ITEM:
        return "child of a ForEachItem (needs internal storage)"
    if scenario.get("preconditions"):
        return "needs the KV store"
    for feature in features:
        if feature in NEEDS:
            return NEEDS[feature]
    return None


def check_scenario(
    scenario: dict[str, Any], checks: list[dict[str, Any]], features: list[str]
) -> Result:
    reason = unsupported(scenario, features)
    if reason:
        return Result(scenario, "skip", reason)
    try:
        harness = run_scenario(scenario)
    except Exception as error:  # a crash is a finding: report it, do not stop the report
        return Result(scenario, "error", f"{type(error).__name__}: {error}"[:160])
    problems = []
    for check in checks:
        problem = evaluate(check, harness)
        if problem:
            problems.append(f"{check['kind']}: {problem}")
    if problems:
        return Result(scenario, "fail", "; ".join(problems)[:200])
    return Result(scenario, "pass")


def run_all() -> list[Result]:
    scenarios = load_jsonl("SCENARIOS.jsonl")
    checks = load_jsonl("CHECKS.jsonl")
    features = manifest()
    return [
        check_scenario(s, c["checks"], features.get(s["file"], []))
        for s, c in zip(scenarios, checks, strict=True)
    ]
