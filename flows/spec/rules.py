"""Kestra's flow-wide rules (its FlowValidator): unique ids, no self-call, input dependencies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flows.spec.plugins import ExecutableTask

if TYPE_CHECKING:
    from flows.spec.flow import Flow
    from flows.spec.plugins import Loc

RuleError = tuple["Loc", str, str, Any]


def _duplicates(items: Iterable[tuple[Loc, str | None]]) -> tuple[list[str], Loc | None]:
    """Duplicated ids in order of first appearance, and where the first repeat is."""
    seen: set[str] = set()
    duplicated: list[str] = []
    first_repeat: Loc | None = None
    for loc, value in items:
        if value is None:
            continue
        if value in seen:
            if value not in duplicated:
                duplicated.append(value)
            if first_repeat is None:
                first_repeat = loc
        seen.add(value)
    return duplicated, first_repeat


def _unique(items: list[tuple[Loc, str | None]], what: str) -> list[RuleError]:
    duplicated, where = _duplicates(items)
    if not duplicated or where is None:
        return []
    return [
        (
            (*where, "id"),
            "duplicate_id",
            f"Invalid Flow: Duplicate {what} with name [{', '.join(duplicated)}]",
            duplicated,
        )
    ]


def _input_graph(flow: Flow) -> list[RuleError]:
    errors: list[RuleError] = []
    graph: dict[str, list[str]] = {}
    where: dict[str, Loc] = {}
    for index, item in enumerate(flow.inputs or []):
        graph.setdefault(item.id, [])
        where.setdefault(item.id, ("inputs", index))
        if item.depends_on is not None and item.depends_on.inputs:
            graph[item.id].extend(item.depends_on.inputs)
    for key, dependencies in graph.items():
        for dependency in dependencies:
            if dependency not in graph:
                errors.append(
                    (
                        (*where[key], "dependsOn"),
                        "input_dependency",
                        f"Invalid Flow: Input with id '{key}' depends on a non-existent "
                        f"input '{dependency}'.",
                        dependency,
                    )
                )
        cycle = _cycle(key, graph)
        if cycle:
            errors.append(
                (
                    (*where[key], "dependsOn"),
                    "input_cycle",
                    f"Invalid Flow: Cycle dependency detected for input with id '{key}': "
                    f"[{', '.join(cycle)}]",
                    cycle,
                )
            )
    return errors


def _cycle(start: str, graph: dict[str, list[str]]) -> list[str]:
    """The first dependency cycle reachable from `start` (as a path), or []."""
    path: list[str] = []
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str]:
        if node in visiting:
            return path[path.index(node) :]
        if node in done:
            return []
        visiting.add(node)
        path.append(node)
        for dependency in graph.get(node, []):
            found = visit(dependency)
            if found:
                return found
        visiting.discard(node)
        done.add(node)
        path.pop()
        return []

    return visit(start)


def flow_rule_errors(flow: Flow) -> list[RuleError]:
    """Every flow-wide violation, located where the user can act on it."""
    items = list(flow.task_items())
    errors = _unique([(loc, task.id) for loc, task in items], "task id")
    errors += _unique(
        [(("triggers", i), t.id) for i, t in enumerate(flow.triggers or [])], "trigger id"
    )
    errors += _unique([(("inputs", i), x.id) for i, x in enumerate(flow.inputs or [])], "input")
    errors += _unique([(("outputs", i), x.id) for i, x in enumerate(flow.outputs or [])], "output")
    for loc, task in items:
        if isinstance(task, ExecutableTask) and task.subflow_target() == (flow.namespace, flow.id):
            errors.append(
                (
                    loc,
                    "recursive_flow",
                    f"Invalid Flow: Recursive call to flow [{flow.namespace}.{flow.id}]",
                    flow.id,
                )
            )
    errors += _input_graph(flow)
    return errors
