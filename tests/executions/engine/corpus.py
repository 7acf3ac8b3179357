"""Kestra's conformance corpus through the engine harness: run a scenario, check its checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from executions.states import State
from tests.conformance import checks as corpus_checks
from tests.conformance.checks import CORPUS, ENVS, GLOBALS, load_jsonl, manifest
from tests.executions.engine.harness import Harness

__all__ = ["CORPUS", "load_jsonl", "manifest"]

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


def evaluate(check: dict[str, Any], harness: Harness) -> str | None:
    """None when the check holds, else why not; manual and rejected checks are not ours."""
    return corpus_checks.evaluate(check, harness.execution)


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
    problems = corpus_checks.problems(checks, harness.execution)
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
