"""Kestra's FlowGraph (nodes, edges, clusters) from a flow revision, with task runs if given."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from executions import executor, selectors
from executions.api.serializers import execution_json
from executions.engine.plan import DAG, EACH_PARALLEL, FOREACH, IF, PARALLEL, SWITCH, Node
from flows import selectors as flow_selectors

H = "io.kestra.core.models.hierarchies."
# How the children of each flowable are linked (Kestra's tasksTree relation types).
_RELATIONS = {PARALLEL: "PARALLEL", DAG: "PARALLEL", IF: "CHOICE", SWITCH: "CHOICE"}
_DYNAMIC = {FOREACH, EACH_PARALLEL, "io.kestra.plugin.core.flow.EachSequential"}


class _Cluster:
    def __init__(self, graph: GraphBuilder, uid: str, parents: list[str], info: dict | None):
        self.graph, self.uid, self.parents = graph, uid, parents
        self.root, self.end = f"{uid}.root", f"{uid}.end"
        self.members: list[str] = []
        for node_uid, kind in ((self.root, "GraphClusterRoot"), (self.end, "GraphClusterEnd")):
            self.add({"uid": node_uid, "type": H + kind})
        if info is not None:
            graph.clusters.append(
                {
                    "cluster": info,
                    "nodes": self.members,
                    "parents": parents,
                    "start": self.root,
                    "end": self.end,
                }
            )

    def add(self, node: dict) -> None:
        self.graph.nodes.append(node)
        self.members.append(node["uid"])


class GraphBuilder:
    def __init__(self, plan, task_runs: list[dict] | None = None) -> None:
        self.plan = plan
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.clusters: list[dict] = []
        self.flowables: list[str] = []
        self.runs: dict[str, list[dict]] = {}
        for task_run in task_runs or []:
            self.runs.setdefault(task_run["taskId"], []).append(task_run)

    def edge(self, source: str, target: str, relation: str | None = None, value=None) -> None:
        rel = {"relationType": relation, "value": value} if relation else {}
        self.edges.append({"source": source, "target": target, "relation": rel})

    def _task(self, node: Node, uid: str, relation: str, error: bool) -> dict:
        data: dict[str, Any] = {
            "uid": uid,
            "type": H + ("SubflowGraphTask" if node.kind == "executable" else "GraphTask"),
            "task": node.spec,
            "relationType": relation,
            "error": error,
        }
        runs = self.runs.get(node.id)
        if runs:
            data["taskRun"] = runs[-1]
            data["values"] = [r["value"] for r in runs if r.get("value") is not None] or None
        return data

    def place(self, cluster: _Cluster, node: Node, relation: str, error: bool) -> tuple[str, str]:
        """Add one task (a node, or a cluster for a flowable); returns its entry and exit."""
        uid = f"{cluster.uid.removeprefix('cluster_')}.{node.id}"
        if node.kind != "flowable":
            cluster.add(self._task(node, uid, relation, error))
            return uid, uid
        child_relation = "DYNAMIC" if node.type in _DYNAMIC else _RELATIONS.get(node.type, relation)
        info = {
            "uid": f"cluster_{uid}",
            "type": H + "GraphCluster",
            "relationType": child_relation,
            "error": error,
            "taskNode": self._task(node, uid, relation, error),
        }
        inner = _Cluster(self, f"cluster_{uid}", [*cluster.parents, cluster.uid], info)
        cluster.members.append(inner.uid)
        inner.add(self._task(node, uid, relation, error))
        self.flowables.append(node.id)
        self.edge(inner.root, uid)
        self.children(inner, node, uid, child_relation, error)
        return inner.root, inner.end

    def children(self, cluster: _Cluster, node: Node, start: str, relation: str, error: bool):
        if node.type == IF:
            for name in ("then", "else"):
                self.chain(cluster, node.enabled(name), start, "SEQUENTIAL", error, "CHOICE", name)
        elif node.type == SWITCH:
            for name, items in node.branches.items():
                if name.startswith("case:") or name == "defaults":
                    value = name.removeprefix("case:")
                    self.chain(cluster, items, start, "SEQUENTIAL", error, "CHOICE", value)
        elif node.type == DAG:
            self.dag(cluster, node.enabled("tasks"), start, error)
        else:
            self.chain(cluster, node.enabled("tasks"), start, relation, error)
        self.chain(cluster, node.enabled("errors"), cluster.root, "ERROR", True, "ERROR")
        self.chain(cluster, node.enabled("finally"), cluster.root, "FINALLY", error, "FINALLY")

    def chain(self, cluster, nodes, start, relation, error, first=None, value=None) -> None:
        """Link tasks one after the other (or all from `start` when PARALLEL) to the end."""
        previous = start
        for index, node in enumerate(nodes):
            entry, exit_ = self.place(cluster, node, relation, error)
            if relation == "PARALLEL":
                self.edge(start, entry, "PARALLEL")
                self.edge(exit_, cluster.end)
                continue
            self.edge(previous, entry, (first or relation) if index == 0 else relation, value)
            previous = exit_
        if nodes and relation != "PARALLEL":
            self.edge(previous, cluster.end)

    def dag(self, cluster: _Cluster, nodes: list[Node], start: str, error: bool) -> None:
        placed = {node.id: self.place(cluster, node, "PARALLEL", error) for node in nodes}
        needed = {d for node in nodes for d in node.depends_on}
        for node in nodes:
            entry, exit_ = placed[node.id]
            for source in [placed[d][1] for d in node.depends_on if d in placed] or [start]:
                self.edge(source, entry, "PARALLEL")
            if node.id not in needed:
                self.edge(exit_, cluster.end)

    def build(self) -> dict:
        plan = self.plan
        root = _Cluster(self, "root", [], None)
        triggers = plan.source.get("triggers") or []
        if triggers:
            info = {"uid": "cluster_Triggers", "type": H + "GraphCluster", "relationType": None}
            group = _Cluster(self, "cluster_Triggers", ["root"], info)
            root.members.append(group.uid)
            for trigger in triggers:
                uid = f"Triggers.{trigger.get('id')}"
                group.add({"uid": uid, "type": H + "GraphTrigger", "triggerDeclaration": trigger})
                self.edge(group.root, uid)
                self.edge(uid, group.end)
            self.edge(group.end, root.root)
        live = [n for n in plan.tasks if not n.disabled]
        self.chain(root, live, root.root, "SEQUENTIAL", False)
        self.chain(root, [n for n in plan.errors if not n.disabled], root.root, "ERROR", True)
        finally_ = [n for n in plan.finally_ if not n.disabled]
        self.chain(root, finally_, root.root, "FINALLY", False)
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "clusters": self.clusters,
            "flowables": self.flowables,
        }


class FlowGraphView(APIView):
    @extend_schema(operation_id="generateFlowGraph", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        revision = request.query_params.get("revision")
        flow = flow_selectors.flow_get(namespace, flow_id)
        number = int(revision) if revision and revision.isdigit() else flow.revision
        plan = executor.flow_plan(namespace, flow_id, number)
        return Response(GraphBuilder(plan).build())


class ExecutionGraphView(APIView):
    @extend_schema(operation_id="executionFlowGraph", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, tenant: str, execution_id: str) -> Response:
        row = selectors.execution_get(execution_id)
        plan = executor.flow_plan(row.namespace, row.flow_id, row.flow_revision)
        runs = execution_json(row, selectors.task_runs_of(row))["taskRunList"]
        return Response(GraphBuilder(plan, runs).build())
