"""Runs corpus cases on the configured database through the real executor and worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import yaml

from tests.conformance import checks as corpus
from tests.conformance.scenarios import Case, source

POLL = 0.2


@dataclass
class Result:
    case: Case
    status: str  # pass | fail | pending
    reason: str = ""
    execution_id: str | None = None


def load_flows(files: set[str]) -> None:
    """Deploy these corpus flows (create, or update when the stored source differs)."""
    from flows import services as flow_services
    from flows.models import Flow
    from flows.spec import parse_flow

    for file in sorted(files):
        text = source(file)
        parsed = parse_flow(text)
        stored = Flow.objects.filter(namespace=parsed.namespace, flow_id=parsed.id).first()
        if stored is None or stored.deleted:
            flow_services.flow_create(source=text)
        elif stored.source != text:
            flow_services.flow_update(namespace=parsed.namespace, flow_id=parsed.id, source=text)
        _clear_caches(parsed.namespace, parsed.id, text)


def _clear_caches(namespace: str, flow_id: str, text: str) -> None:
    """WorkingDirectory caches start empty, as in Kestra's tests (a fresh storage each run)."""
    from kestra_site.storage import InternalStorage
    from workers.plugins import files
    from workers.plugins.working_directory import cache_path

    if "cache:" not in text:
        return
    store = InternalStorage()
    for task in yaml.safe_load(text).get("tasks") or []:
        if isinstance(task, dict) and task.get("cache"):
            path = cache_path({"flow": {"namespace": namespace, "id": flow_id}}, task["id"], None)
            for found in list(files.walk(store, path.rsplit("/", 1)[0])):
                store.delete(found)


def run_cases(
    cases: list[Case],
    *,
    timeout: float = 120.0,
    parallel: int = 12,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Validation and input cases inline, execution cases in parallel groups; ordered results."""
    from tests.conformance import drivers

    results: dict[str, Result] = {}

    def done(result: Result) -> None:
        results[result.case.id] = result
        if progress:
            progress(result)

    runnable = [c for c in cases if not c.pending]
    load_flows({f for c in runnable for f in c.flow_files()} | _input_flows(runnable))
    for case in cases:
        if case.pending:
            done(Result(case, "pending", case.pending))
        elif case.kind == "validate":
            done(_validate(case))
        elif case.kind == "inputs":
            done(_inputs(case))
    groups: dict[str, list[Case]] = {}
    for case in runnable:
        if case.kind == "execute":
            groups.setdefault(drivers.group_key(case), []).append(case)
    ordered = sorted(groups.values(), key=lambda g: -drivers.expected_seconds(g))
    # Scenarios whose outcome depends on wall-clock durations (retry maxDuration, SLA, pause
    # delays, timeouts) first, on a lightly loaded system; the rest in parallel after them.
    timed = [g for g in ordered if _timing_sensitive(g)]
    rest = [g for g in ordered if not _timing_sensitive(g)]
    for phase, width in ((timed, min(4, parallel)), (rest, parallel)):
        with ThreadPoolExecutor(max(1, width)) as pool:
            for group_results in pool.map(lambda g: _run_group(g, timeout), phase):
                for result in group_results:
                    done(result)
    return [results[c.id] for c in cases]


TIMING_MARKERS = ("maxDuration", "sla:", "delay:", "timeout:", "duration:")


def _timing_sensitive(group: list[Case]) -> bool:
    from tests.conformance.checks import CORPUS

    return any(
        marker in (CORPUS / name).read_text()
        for case in group
        for name in case.flow_files()
        for marker in TIMING_MARKERS
    )


def _run_group(group: list[Case], timeout: float) -> list[Result]:
    from django.db import connection

    from tests.conformance import drivers

    shared: dict[str, Any] = {}
    out = []
    try:
        for case in group:
            try:
                execution_id, problems = drivers.execute(case, shared, timeout)
            except Exception as error:  # a crash is a finding: report it, keep going
                out.append(Result(case, "fail", f"{type(error).__name__}: {error}"[:300]))
                continue
            status = "fail" if problems else "pass"
            out.append(Result(case, status, "; ".join(problems)[:300], execution_id))
    finally:
        connection.close()
    return out


def _input_flows(cases: list[Case]) -> set[str]:
    return {c.file for c in cases if c.kind == "inputs"}


def _validate(case: Case) -> Result:
    from flows import services as flow_services
    from flows.spec.errors import Violation

    reports = flow_services.flows_validate(source(case.file))
    violations = [v for r in reports for v in r.violations] or (
        [] if reports else [Violation("", "The flow source is empty")]
    )
    return _rejections(case, violations)


def _inputs(case: Case) -> Result:
    from executions import services
    from kestra_site.errors import InvalidInput

    raw = with_files(case.scenario.get("inputs") or {})
    try:
        row = services.execution_create(
            namespace=case.scenario["namespace"], flow_id=case.scenario["flow_id"], inputs=raw
        )
    except InvalidInput as error:
        return _rejections(case, error.violations())
    finally:
        close_files(raw)
    return Result(case, "fail", "inputs accepted, expected a rejection", row.id)


def _rejections(case: Case, violations: list[Any]) -> Result:
    rejected = [c for c in case.checks if c["kind"] == "rejected"] or [{"kind": "rejected"}]
    problems = [p for c in rejected if (p := corpus.evaluate_rejection(c, violations))]
    return Result(case, "fail" if problems else "pass", "; ".join(problems)[:300])


def with_files(inputs: dict[str, Any]) -> dict[str, Any]:
    """Corpus fixture paths (`fixtures/...`) opened as uploads, as Kestra's tests upload them."""
    return {
        key: (corpus.CORPUS / value).open("rb")
        if isinstance(value, str) and value.startswith("fixtures/")
        else value
        for key, value in inputs.items()
    }


def close_files(inputs: dict[str, Any]) -> None:
    for value in inputs.values():
        if hasattr(value, "close"):
            value.close()


def wait(execution_id: str, timeout: float, until: Callable[[Any], bool]) -> Any:
    """Poll the execution row until `until(row)` holds; the last row read on timeout."""
    from executions.models import Execution

    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        row = Execution.objects.filter(pk=execution_id).first()
        if row is not None and until(row):
            return row
        time.sleep(POLL)
    return row


def fresh_name() -> str:
    return f"conformance-{uuid.uuid4().hex[:12]}"
