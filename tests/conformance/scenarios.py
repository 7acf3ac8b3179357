"""The corpus scenarios as cases: ids, how each one runs, which flows it needs, what is pending."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from tests.conformance.checks import CORPUS, load_jsonl, manifest

# Parts a later issue builds: these scenarios are pending, with the reason.
PENDING_FEATURES: dict[str, str] = {}
PENDING_RUNS: dict[str, str] = {}

# Flow-trigger listeners: the upstream flows their scenario runs, in order (Kestra's
# FlowTriggerCaseTest and MultipleConditionTriggerCaseTest); the listener's execution is checked.
TRIGGERED: dict[str, list[str]] = {
    "valids/flow-trigger-preconditions-flow-listen.yaml": [
        "flow-trigger-preconditions-flow-a.yaml",
        "flow-trigger-preconditions-flow-a.yaml",
        "flow-trigger-preconditions-flow-b.yaml",
    ],
    "valids/trigger-flow-listener-namespace-condition.yaml": ["trigger-flow.yaml"],
    "valids/trigger-flow-listener-no-inputs.yaml": ["trigger-flow.yaml"],
    "valids/trigger-flow-listener-with-pause.yaml": ["trigger-flow-with-pause.yaml"],
    "valids/trigger-flow-listener.yaml": ["trigger-flow.yaml"],
    "valids/trigger-multiplecondition-listener.yaml": [
        "trigger-multiplecondition-flow-a.yaml",
        "trigger-multiplecondition-flow-b.yaml",
    ],
}

# Scenarios that run and fail for a documented reason (xfail in pytest, listed in the README).
_FOREACH_CHILD = "a ForEachItem child run alone: its FILE input is a batch ForEachItem writes"
KNOWN_FAILURES: dict[str, str] = {
    "invalids/worker-group.yaml:validation": (
        "deliberate: worker groups are declared here, so `toto` is refused as not declared "
        "instead of Kestra OSS's 'Enterprise Edition functionality'"
    ),
    "valids/for-each-item-subflow.yaml:default": _FOREACH_CHILD,
    "valids/for-each-item-outputs-subflow.yaml:default": _FOREACH_CHILD,
}

_SUBFLOW_TYPES = ("flow.Subflow", "flows.Subflow", "flows.Flow", "flow.ForEachItem")


@dataclass
class Case:
    """One line of SCENARIOS.jsonl with its CHECKS.jsonl line and MANIFEST feature tags."""

    id: str
    scenario: dict[str, Any]
    checks: list[dict[str, Any]]
    features: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return str(self.scenario["file"])

    @property
    def name(self) -> str:
        return str(self.scenario["name"])

    @property
    def run(self) -> str:
        if self.file in TRIGGERED:
            return "triggered"
        return str(self.scenario.get("run") or "runOne")

    @property
    def upstreams(self) -> list[str]:
        """A triggered case's upstream flow files, in the order it runs them."""
        return [f"valids/{name}" for name in TRIGGERED.get(self.file, [])]

    @cached_property
    def kind(self) -> str:
        """validate | inputs | execute."""
        if self.run == "parse+validate" or self.file.startswith("invalids/"):
            return "validate"
        if self.run == "readExecutionInputs":
            return "inputs"
        return "execute"

    @cached_property
    def pending(self) -> str | None:
        if self.run in PENDING_RUNS:
            return PENDING_RUNS[self.run]
        for feature in self.features:
            if feature in PENDING_FEATURES:
                return PENDING_FEATURES[feature]
        return None

    @property
    def known_failure(self) -> str | None:
        return KNOWN_FAILURES.get(self.id)

    def flow_files(self) -> list[str]:
        """The co-loaded group: this flow, the listed ones, and the subflows they call."""
        if self.kind != "execute":
            return []
        co_loaded = [f"valids/{name}" for name in self.scenario.get("co_loaded") or []]
        files = [self.file, *co_loaded, *dict.fromkeys(self.upstreams)]
        if self.run == "as subflow of task-flow":
            files.append("valids/task-flow.yaml")
        by_identity = flow_index()
        seen: list[str] = []
        while files:
            current = files.pop()
            if current in seen:
                continue
            seen.append(current)
            for target in subflow_targets(source(current)):
                if target in by_identity:
                    files.append(by_identity[target])
        return seen


def source(file: str) -> str:
    return (CORPUS / file).read_text()


_INDEX: dict[tuple[str, str], str] = {}


def flow_index() -> dict[tuple[str, str], str]:
    """Every valid flow's file by (namespace, id)."""
    if not _INDEX:
        for path in sorted((CORPUS / "valids").glob("*.y*ml")):
            data = yaml.safe_load(path.read_text()) or {}
            _INDEX.setdefault((data.get("namespace"), data.get("id")), f"valids/{path.name}")
    return _INDEX


def subflow_targets(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).endswith(_SUBFLOW_TYPES) and "flowId" in node:
                found.append((str(node.get("namespace")), str(node["flowId"])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(text))
    return found


def load_cases() -> list[Case]:
    scenarios = load_jsonl("SCENARIOS.jsonl")
    checks = load_jsonl("CHECKS.jsonl")
    features = manifest()
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for scenario, entry in zip(scenarios, checks, strict=True):
        base = f"{scenario['file']}:{scenario['name']}"
        seen[base] = seen.get(base, 0) + 1
        case_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        cases.append(Case(case_id, scenario, entry["checks"], features.get(scenario["file"], [])))
    return cases


def select(cases: list[Case], feature: str | None = None, scenario: str | None = None):
    """Filter by feature tag and/or `FILE[:NAME]` (FILE with or without `valids/`)."""
    chosen = cases
    if feature:
        chosen = [c for c in chosen if feature in c.features]
    if scenario:
        file, _, name = scenario.partition(":")
        pattern = re.compile(rf"(^|/){re.escape(file)}$")
        chosen = [c for c in chosen if pattern.search(c.file) and (not name or c.name == name)]
    return chosen
