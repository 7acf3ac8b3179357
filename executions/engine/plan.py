"""A flow compiled once for the engine: task nodes with their branches, defaults applied."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

CORE = "io.kestra.plugin.core."
FLOW = CORE + "flow."
SEQUENTIAL = FLOW + "Sequential"
PARALLEL = FLOW + "Parallel"
IF = FLOW + "If"
SWITCH = FLOW + "Switch"
FOREACH = FLOW + "ForEach"
EACH_SEQUENTIAL = FLOW + "EachSequential"
EACH_PARALLEL = FLOW + "EachParallel"
DAG = FLOW + "Dag"
ALLOW_FAILURE = FLOW + "AllowFailure"
PAUSE = FLOW + "Pause"
WAIT_FOR = FLOW + "WaitFor"
LOOP_UNTIL = FLOW + "LoopUntil"
WORKING_DIRECTORY = FLOW + "WorkingDirectory"
SUBFLOW = FLOW + "Subflow"
FOREACH_ITEM = FLOW + "ForEachItem"
# The internal tasks a ForEachItem expands into (Kestra's nested classes, as their type names).
FOREACH_ITEM_SPLIT = FOREACH_ITEM + "$ForEachItemSplit"
FOREACH_ITEM_EXECUTABLE = FOREACH_ITEM + "$ForEachItemExecutable"
FOREACH_ITEM_MERGE = FOREACH_ITEM + "$ForEachItemMergeOutputs"
TEMPLATE = FLOW + "Template"
LABELS = CORE + "execution.Labels"

FLOWABLE_TYPES = frozenset(
    {
        SEQUENTIAL,
        PARALLEL,
        IF,
        SWITCH,
        FOREACH,
        EACH_SEQUENTIAL,
        EACH_PARALLEL,
        DAG,
        ALLOW_FAILURE,
        PAUSE,
        WAIT_FOR,
        LOOP_UNTIL,
        WORKING_DIRECTORY,
        TEMPLATE,
        FOREACH_ITEM,
    }
)
EXECUTABLE_TYPES = frozenset({SUBFLOW, FOREACH_ITEM_EXECUTABLE})
# Tasks the executor applies to the execution itself (Kestra's ExecutionUpdatableTask).
UPDATING_TYPES = frozenset({LABELS})

_LEGACY_PACKAGES = {
    "flows": "flow",
    "debugs": "debug",
    "executions": "execution",
    "states": "state",
    "log": "log",
    "storages": "storage",
    "templating": "templating",
    "kv": "kv",
    "outputs": "output",
    "triggers": "trigger",
    "conditions": "condition",
}
_LEGACY_CLASSES = {"flow.Flow": "flow.Subflow", "flow.Worker": "flow.WorkingDirectory"}


def canonical_type(name: str) -> str:
    """Kestra's legacy io.kestra.core.tasks.* aliases resolved to io.kestra.plugin.core.*."""
    prefix = "io.kestra.core.tasks."
    if not name.startswith(prefix):
        return name
    package, _, cls = name[len(prefix) :].partition(".")
    short = f"{_LEGACY_PACKAGES.get(package, package)}.{cls}"
    return CORE + _LEGACY_CLASSES.get(short, short)


def kind_of(type_name: str) -> str:
    if type_name in FLOWABLE_TYPES:
        return "flowable"
    if type_name in EXECUTABLE_TYPES:
        return "executable"
    if type_name in UPDATING_TYPES:
        return "updating"
    return "runnable"


@dataclass(eq=False, slots=True)
class Node:
    """One task of the flow, with its place in the tree."""

    id: str
    type: str
    kind: str
    spec: dict[str, Any]
    parent: Node | None
    branches: dict[str, list[Node]] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)  # inside a Dag
    disabled: bool = False

    @property
    def retry(self) -> dict[str, Any] | None:
        return self.spec.get("retry")

    @property
    def run_if(self) -> Any:
        return self.spec.get("runIf")

    @property
    def allow_failure(self) -> bool:
        return bool(self.spec.get("allowFailure"))

    @property
    def allow_warning(self) -> bool:
        return bool(self.spec.get("allowWarning"))

    def branch(self, name: str) -> list[Node]:
        return self.branches.get(name, [])

    def enabled(self, name: str) -> list[Node]:
        return [n for n in self.branches.get(name, []) if not n.disabled]


@dataclass(eq=False)
class FlowPlan:
    """The compiled flow: the engine reads this, never the YAML or the pydantic models."""

    id: str
    namespace: str
    revision: int | None
    source: dict[str, Any]
    tasks: list[Node]
    errors: list[Node]
    finally_: list[Node]
    after_execution: list[Node]
    nodes: dict[str, Node]
    cache: dict[str, Any] = field(default_factory=dict)  # derived once, e.g. the root lists

    @property
    def retry(self) -> dict[str, Any] | None:
        return self.source.get("retry")

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return self.source.get("inputs") or []

    @property
    def outputs(self) -> list[dict[str, Any]]:
        return self.source.get("outputs") or []

    @property
    def variables(self) -> dict[str, Any] | None:
        return self.source.get("variables")

    def node(self, task_id: str) -> Node:
        return self.nodes[task_id]


def _defaults_for(source: dict[str, Any]) -> list[dict[str, Any]]:
    return list(source.get("pluginDefaults") or source.get("taskDefaults") or [])


def _merge(base: dict[str, Any], extra: dict[str, Any], force: bool) -> dict[str, Any]:
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value, force)
        elif force or key not in result:
            result[key] = copy.deepcopy(value)
    return result


def _apply_defaults(
    spec: dict[str, Any], type_name: str, defaults: list[dict[str, Any]]
) -> dict[str, Any]:
    for default in defaults:
        wanted = canonical_type(str(default.get("type", "")))
        if type_name == wanted or type_name.startswith(wanted + "."):
            spec = _merge(spec, default.get("values") or {}, bool(default.get("forced")))
    return spec


class _Compiler:
    def __init__(self, defaults: list[dict[str, Any]]) -> None:
        self.defaults = defaults
        self.nodes: dict[str, Node] = {}

    def tasks(self, items: list[dict[str, Any]] | None, parent: Node | None) -> list[Node]:
        return [self.task(item, parent) for item in items or []]

    def task(self, raw: dict[str, Any], parent: Node | None) -> Node:
        type_name = canonical_type(str(raw.get("type", "")))
        spec = _apply_defaults(dict(raw, type=type_name), type_name, self.defaults)
        node = Node(
            id=str(spec["id"]),
            type=type_name,
            kind=kind_of(type_name),
            spec=spec,
            parent=parent,
            disabled=bool(spec.get("disabled")),
        )
        self.nodes[node.id] = node
        if node.kind == "flowable":
            self._branches(node)
        return node

    def _branches(self, node: Node) -> None:
        spec = node.spec
        if node.type == IF:
            node.branches["then"] = self.tasks(spec.get("then"), node)
            node.branches["else"] = self.tasks(spec.get("else"), node)
        elif node.type == SWITCH:
            for key, items in (spec.get("cases") or {}).items():
                node.branches[f"case:{key}"] = self.tasks(items, node)
            node.branches["defaults"] = self.tasks(spec.get("defaults"), node)
        elif node.type == FOREACH_ITEM:
            node.branches["tasks"] = [self.task(raw, node) for raw in foreach_item_tasks(spec)]
        elif node.type == DAG:
            children = []
            for entry in spec.get("tasks") or []:
                child = self.task(entry["task"], node)
                child.depends_on = [str(d) for d in entry.get("dependsOn") or []]
                children.append(child)
            node.branches["tasks"] = children
        else:
            node.branches["tasks"] = self.tasks(spec.get("tasks"), node)
        node.branches["errors"] = self.tasks(spec.get("errors"), node)
        node.branches["finally"] = self.tasks(spec.get("finally"), node)


def foreach_item_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Kestra's ForEachItem.getTasks(): split the items, run a subflow per batch, merge outputs."""
    task_id = str(spec["id"])
    executable = {
        key: spec[key]
        for key in (
            "namespace",
            "flowId",
            "revision",
            "inputs",
            "labels",
            "wait",
            "transmitFailed",
            "inheritLabels",
            "scheduleDate",
        )
        if key in spec
    }
    return [
        {
            "id": task_id + "_split",
            "type": FOREACH_ITEM_SPLIT,
            "items": spec.get("items"),
            "batch": spec.get("batch") or {},
        },
        {"id": task_id + "_items", "type": FOREACH_ITEM_EXECUTABLE, **executable},
        {"id": task_id + "_merge", "type": FOREACH_ITEM_MERGE},
    ]


def flow_source(flow: Any) -> dict[str, Any]:
    """Kestra JSON of a flow given as a flows.spec model or as a plain dict (parsed YAML)."""
    if isinstance(flow, dict):
        return flow
    return flow.model_dump(by_alias=True, exclude_none=True, mode="json")


def compile_flow(flow: Any) -> FlowPlan:
    """Compile once per flow revision; cache the result (it is immutable in practice)."""
    if isinstance(flow, FlowPlan):
        return flow
    source = flow_source(flow)
    compiler = _Compiler(_defaults_for(source))
    tasks = compiler.tasks(source.get("tasks"), None)
    errors = compiler.tasks(source.get("errors"), None)
    finally_ = compiler.tasks(source.get("finally"), None)
    after = compiler.tasks(source.get("afterExecution"), None)
    return FlowPlan(
        id=str(source.get("id")),
        namespace=str(source.get("namespace")),
        revision=source.get("revision"),
        source=source,
        tasks=tasks,
        errors=errors,
        finally_=finally_,
        after_execution=after,
        nodes=compiler.nodes,
    )
