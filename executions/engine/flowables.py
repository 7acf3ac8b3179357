"""Flowable tasks: what each decides when it starts, and which children it runs in which order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from executions.engine.context import Resolved, Run
from executions.engine.model import TaskRun
from executions.engine.plan import (
    ALLOW_FAILURE,
    DAG,
    EACH_PARALLEL,
    EACH_SEQUENTIAL,
    FOREACH,
    IF,
    LOOP_UNTIL,
    PARALLEL,
    PAUSE,
    SWITCH,
    WAIT_FOR,
    Node,
)


class FlowableError(Exception):
    """A flowable cannot start or go on (bad values, a failed render): its task run FAILS."""


@dataclass(slots=True)
class Children:
    """The children of one running flowable task run, and how to schedule them."""

    tasks: list[Resolved] | None  # None: nothing matches (a Switch without defaults)
    errors: list[Resolved]
    finally_: list[Resolved]
    mode: str = "sequential"  # sequential | parallel | concurrent | dag | loop
    limit: int = 0  # 0: unlimited
    allow_failure: bool = False
    allow_warning: bool = False
    depends: dict[str, list[str]] = field(default_factory=dict)


def java_text(value: Any) -> str:
    """A value as Java's toString writes it (used in Kestra's messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    return str(value)


def loop_value(value: Any) -> str:
    """A ForEach value as the task run's `value`: strings as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def each_values(run: Run, node: Node, context: dict[str, Any]) -> list[str]:
    raw = node.spec.get("values", node.spec.get("value"))
    renderer = run.renderer
    if isinstance(raw, str):
        rendered = renderer.render(raw, context)
        try:
            values = json.loads(rendered)
        except ValueError as error:
            raise FlowableError(f"Unable to parse values '{rendered}' as a JSON list") from error
        if not isinstance(values, list):
            raise FlowableError(f"Values must be a JSON list, got '{rendered}'")
    elif isinstance(raw, list):
        values = [renderer.render(v, context) if isinstance(v, str) else v for v in raw]
    else:
        raise FlowableError(f"Invalid values on Each: {raw!r}")
    nulls = sum(1 for v in values if v is None)
    if nulls:
        raise FlowableError(f"Found '{nulls}' null values on Each, with values={java_text(values)}")
    return [loop_value(v) for v in values]


def start_flowable(run: Run, node: Node, task_run: TaskRun, context: dict[str, Any]) -> None:
    """Decide once what the flowable needs (branch, values) and keep it on the task run."""
    renderer = run.renderer
    if node.type == IF:
        condition = node.spec.get("condition")
        if isinstance(condition, bool):
            truth = condition
        else:
            truth = bool(renderer.is_true(str(condition), context))
        task_run.flowable = {"branch": "then" if truth else "else"}
    elif node.type == SWITCH:
        value = renderer.render(str(node.spec.get("value", "")), context)
        cases = {f"case:{key}" for key in (node.spec.get("cases") or {})}
        key = f"case:{value}"
        matched = key in cases
        task_run.flowable = {"branch": key if matched else "defaults"}
        run.set_outputs(task_run, {"value": value, "defaults": not matched})
    elif node.type in (FOREACH, EACH_SEQUENTIAL, EACH_PARALLEL):
        task_run.flowable = {"values": each_values(run, node, context)}
    elif node.type in (WAIT_FOR, LOOP_UNTIL):
        task_run.flowable = {"iteration": 1}
        run.set_outputs(task_run, {"iterationCount": 1})


def _resolve(nodes: list[Node], value: str | None = None) -> list[Resolved]:
    return [Resolved(n, value) for n in nodes]


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def children(node: Node, task_run: TaskRun) -> Children:
    """Kestra's childTasks + the scheduling of each flowable type."""
    spec = node.spec
    errors = _resolve(node.branch("errors"))
    finally_ = _resolve(node.branch("finally"))
    allow_failure = node.allow_failure or node.type == ALLOW_FAILURE
    result = Children(
        _resolve(node.branch("tasks")),
        errors,
        finally_,
        allow_failure=allow_failure,
        allow_warning=node.allow_warning,
    )
    state = task_run.flowable or {}
    if node.type == PARALLEL:
        result.mode, result.limit = "parallel", _int(spec.get("concurrent"), 0)
    elif node.type in (IF, SWITCH):
        branch = state.get("branch")
        nodes = node.branches.get(branch) if branch else None
        # An If without the branch taken runs nothing; a Switch without a match FAILS.
        result.tasks = _resolve(nodes) if nodes else ([] if node.type == IF else None)
    elif node.type in (FOREACH, EACH_SEQUENTIAL, EACH_PARALLEL):
        result.tasks = [
            Resolved(n, v) for v in state.get("values", []) for n in node.branch("tasks")
        ]
        if node.type == EACH_PARALLEL:
            result.mode, result.limit = "parallel", _int(spec.get("concurrent"), 0)
        elif node.type == FOREACH:
            limit = _int(spec.get("concurrencyLimit"), 1)
            if limit != 1:
                result.mode, result.limit = "concurrent", limit
    elif node.type == DAG:
        result.mode, result.limit = "dag", _int(spec.get("concurrent"), 0)
        result.depends = {n.id: n.depends_on for n in node.branch("tasks")}
    elif node.type in (WAIT_FOR, LOOP_UNTIL):
        result.mode = "loop"
    return result


def is_pause_waiting(node: Node, task_run: TaskRun) -> bool:
    """A Pause that has not been paused yet (it pauses first, then runs its tasks)."""
    return node.type == PAUSE and task_run.state.count(task_run.state.current.PAUSED) == 0
