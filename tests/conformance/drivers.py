"""How each kind of scenario drives executions: runOne, until paused, concurrency, chains."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conformance import checks as corpus
from tests.conformance import restarts
from tests.conformance.runner import close_files, fresh_name, wait, with_files
from tests.conformance.scenarios import TRIGGERED, Case, source

# Flows whose executions fire flow triggers, or listen: their cases run one after the other.
TRIGGER_FILES = set(TRIGGERED) | {
    f"valids/{name}" for names in TRIGGERED.values() for name in names
}
SLOW_FEATURES = {"retry": 8, "flow-retry": 8, "sleep": 3, "pause": 3, "concurrency": 4, "sla": 3}


def group_key(case: Case) -> str:
    """Cases sharing a placeholder (state.yaml's `set` runs) or seeding the same KV store
    (kv.yaml) run in order, in one group. So do flow-trigger listeners and every run of their
    upstream flows: an upstream's own scenario ending in a parallel group would otherwise land
    in a listener's precondition window mid-sequence and fire it early."""
    if case.file in TRIGGER_FILES:
        return "flow-triggers"
    if any(_placeholder(v) and "executionId" != k for k, v in _inputs(case).items()):
        return case.file
    if str(case.scenario.get("preconditions") or "").startswith("KV store"):
        return case.file
    return case.id


def expected_seconds(group: list[Case]) -> float:
    """A rough cost, so slow groups start first."""
    return sum(max([SLOW_FEATURES.get(f, 1) for f in c.features] or [1]) for c in group)


def _inputs(case: Case) -> dict[str, Any]:
    return dict(case.scenario.get("inputs") or {})


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def _terminal(row: Any) -> bool:
    from executions.states import State

    return State(row.state).is_terminal


def _paused(row: Any) -> bool:
    from executions.models import TaskRun

    if row.state != "PAUSED":
        return _terminal(row)
    return TaskRun.objects.filter(execution_id=row.id, state="PAUSED").exists()


def create(case: Case, inputs: dict[str, Any] | None = None, flow: tuple[str, str] | None = None):
    """An execution as the scenario says: raw inputs as given, typed ones validated, labels."""
    from executions import services

    namespace, flow_id = flow or (case.scenario["namespace"], case.scenario["flow_id"])
    mode = case.scenario.get("input_mode") or "none"
    values = _inputs(case) if inputs is None else inputs
    labels = [{"key": k, "value": v} for k, v in case.scenario.get("execution_labels") or []]
    if mode == "typed":
        raw = with_files(values)
        try:
            return services.execution_create(
                namespace=namespace, flow_id=flow_id, inputs=raw, labels=labels
            )
        finally:
            close_files(raw)
    return services.execution_create(
        namespace=namespace,
        flow_id=flow_id,
        inputs=values if mode == "raw" else None,
        labels=labels,
        typed_inputs=False,
    )


def snapshot(execution_id: str) -> Any:
    from executions import repository
    from executions.models import Execution, TaskRun

    row = Execution.objects.get(pk=execution_id)
    task_rows = list(TaskRun.objects.filter(execution=row).order_by("position"))
    return repository.to_snapshot(row, task_rows)


def _seed(case: Case) -> None:
    """Preconditions: a KV value to seed, or an empty KV store; a fresh state store for a
    state name that is not fresh (Kestra's tests start on an empty storage)."""
    from kestra_site import kv

    state = _inputs(case).get("state")
    if "state-store" in case.features and state and not _placeholder(state):
        store = kv.store(case.scenario["namespace"])
        for key in store.keys(f"{case.scenario['flow_id']}_states_tasks-states_{state}"):
            store.delete(key)
    text = str(case.scenario.get("preconditions") or "")
    if not text.startswith("KV store"):
        return
    namespace = case.scenario["namespace"]
    if "my-key = " in text:
        kv.store(namespace).put("my-key", yaml.safe_load(text.split("my-key = ", 1)[1]))
    elif "is empty" in text:
        kv.store(namespace).delete("my-key")


def execute(case: Case, shared: dict[str, Any], timeout: float) -> tuple[str, list[str]]:
    """Run one case; the execution id its checks apply to, and what does not hold."""
    _seed(case)
    inputs = _inputs(case)
    for key, value in inputs.items():
        if _placeholder(value) and key == "executionId":
            inputs[key] = _paused_pause(timeout)
        elif _placeholder(value):
            inputs[key] = shared.setdefault(key, fresh_name())
    if "concurrency" in case.features:
        return _concurrency(case, timeout)
    if case.run == "as subflow of task-flow":
        return _as_child(case, inputs, timeout)
    if case.run == "triggered":
        return _triggered(case, timeout)
    row = create(case, inputs)
    until = _paused if case.run.startswith("runOneUntilPaused") else _terminal
    done = wait(row.id, timeout, until)
    extra: list[str] = []
    if case.run.startswith("runOneUntilPaused then await"):
        if done.state != "PAUSED":
            extra.append(f"never PAUSED (was {done.state})")
        done = wait(row.id, timeout, _terminal)
    if not until(done) and not _terminal(done):
        extra.append(f"timed out in {done.state}")
    problems = extra + corpus.problems(case.checks, snapshot(row.id))
    return row.id, problems + restarts.follow_up(case.id, row.id, timeout)


def _paused_pause(timeout: float) -> str:
    """A PAUSED execution of io.kestra.tests.pause (what ResumeTest resumes)."""
    from executions import services

    row = services.execution_create(namespace="io.kestra.tests", flow_id="pause")
    wait(row.id, timeout, _paused)
    return row.id


def _as_child(case: Case, inputs: dict[str, Any], timeout: float) -> tuple[str, list[str]]:
    """switch.yaml as the child of task-flow: the checks apply to the child execution."""
    from executions.models import Execution

    parent = create(case, inputs, flow=("io.kestra.tests", "task-flow"))
    wait(parent.id, timeout, _terminal)
    child = Execution.objects.filter(parent_id=parent.id, flow_id=case.scenario["flow_id"]).first()
    if child is None:
        return parent.id, ["task-flow started no switch execution"]
    return child.id, corpus.problems(case.checks, snapshot(child.id))


def _concurrency(case: Case, timeout: float) -> tuple[str, list[str]]:
    """Kestra's FlowConcurrencyCaseTest: a second execution while the first one runs."""
    first = create(case)
    wait(first.id, timeout, lambda r: r.state not in ("CREATED", "QUEUED"))
    second = create(case)
    wait(first.id, timeout, _terminal)
    done = wait(second.id, timeout, _terminal)
    behavior = (yaml.safe_load(source(case.file)).get("concurrency") or {}).get("behavior")
    states = [h["state"] for h in done.state_histories]
    problems = corpus.problems(case.checks, snapshot(first.id))
    expected = {"CANCEL": "CANCELLED", "FAIL": "FAILED"}.get(behavior or "QUEUE", "SUCCESS")
    if done.state != expected:
        problems.append(f"second execution {done.state}, expected {expected}")
    if expected == "SUCCESS" and "QUEUED" not in states:
        problems.append(f"second execution never QUEUED: {states}")
    return first.id, problems


def _listeners(case: Case, upstream_id: str) -> list[Any]:
    from executions.models import Execution

    return list(
        Execution.objects.filter(
            namespace=case.scenario["namespace"],
            flow_id=case.scenario["flow_id"],
            trigger__variables__executionId=upstream_id,
        ).order_by("created")
    )


def _triggered(case: Case, timeout: float) -> tuple[str, list[str]]:
    """Run the upstream flows in order (the listener's windows empty first, as on Kestra's fresh
    storage); the listener runs once, after the last one, with its trigger variables."""
    import time

    from executions import services
    from executions.models import FlowTriggerWindow

    FlowTriggerWindow.objects.filter(
        namespace=case.scenario["namespace"], flow_id=case.scenario["flow_id"]
    ).delete()
    problems: list[str] = []
    upstream = None
    for position, file in enumerate(case.upstreams):
        data = yaml.safe_load(source(file))
        row = services.execution_create(namespace=data["namespace"], flow_id=data["id"])
        upstream = wait(row.id, timeout, _terminal)
        if position < len(case.upstreams) - 1:
            time.sleep(1)
            if _listeners(case, upstream.id):
                problems.append(f"the listener ran after {data['id']}, before its last upstream")
    assert upstream is not None
    expected = 4 if "with-pause" in case.file else 1  # RUNNING, PAUSED, RUNNING, SUCCESS
    deadline = time.monotonic() + timeout
    found = _listeners(case, upstream.id)
    while time.monotonic() < deadline and not (
        len(found) >= expected and all(_terminal(r) for r in found)
    ):
        time.sleep(0.2)
        found = _listeners(case, upstream.id)
    if len(found) != expected:
        problems.append(f"{len(found)} listener executions, expected {expected}")
    if not found:
        return upstream.id, problems
    for row in found:
        variables = (row.trigger or {}).get("variables") or {}
        seen = (variables.get("namespace"), variables.get("flowId"))
        if seen != (upstream.namespace, upstream.flow_id):
            problems.append(f"trigger variables name {seen}")
        problems += corpus.problems(case.checks, snapshot(row.id))
    if expected == 4:
        statuses = [(r.outputs or {}).get("status") for r in found]
        if statuses != ["RUNNING", "PAUSED", "RUNNING", "SUCCESS"]:
            problems.append(f"listener outputs.status {statuses}")
    if case.file.endswith("/trigger-flow-listener.yaml"):
        value = (snapshot(found[0].id).task_run_list[0].outputs or {}).get("value")
        if value != f"childs: from parents: {upstream.id}":
            problems.append(f"listener returned {value!r}")
    return found[-1].id, problems
