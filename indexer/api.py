"""Search and statistics on Kestra's paths, answered by the configured search backend."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import FILTERED, GLOBAL
from access.scope import scoped_backend
from executions import repository, selectors
from executions.api.executions import SEARCH_PARAMS, page_body
from executions.api.params import PlainTextRenderer
from executions.api.serializers import task_run_json
from indexer import drain, stats
from indexer.backends.database import TASK_RUN_SORTABLE
from kestra_site.errors import InvalidInput
from kestra_site.openapi import OBJECT_LIST
from kestra_site.query import Search, parse_search

STATS_BODY = {"application/json": OpenApiTypes.OBJECT}


def task_runs_json(rows: list) -> list[dict]:
    """Kestra's TaskRun JSON for rows of several executions."""
    wanted: dict[str, set[str]] = defaultdict(set)
    executions = {}
    for row in rows:
        wanted[row.execution_id].add(row.id)
        executions[row.execution_id] = row.execution
    found: dict[str, dict] = {}
    all_runs = selectors.task_runs_by_execution(list(wanted))
    for execution_id, ids in wanted.items():
        snapshot = repository.to_snapshot(executions[execution_id], all_runs[execution_id])
        for data in snapshot.to_dict().get("taskRunList") or []:
            if data["id"] in ids:
                found[data["id"]] = task_run_json(data)
    return [found[r.id] for r in rows if r.id in found]


class TaskRunSearchView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchTaskRun", parameters=SEARCH_PARAMS, responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request: Request, tenant: str) -> Response:
        search = parse_search(
            request.query_params,
            legacy={
                "q": "q",
                "namespace": "namespace",
                "flowId": "flowId",
                "triggerExecutionId": "triggerExecutionId",
                "childFilter": "childFilter",
            },
            sortable=set(TASK_RUN_SORTABLE),
        )
        for state in request.query_params.getlist("state"):
            search.filters.append(("state", "IN", state))
        for name, op in (
            ("startDate", "GREATER_THAN_OR_EQUAL_TO"),
            ("endDate", "LESS_THAN_OR_EQUAL_TO"),
        ):
            if request.query_params.get(name):
                search.filters.append((name, op, request.query_params[name]))
        rows, total = scoped_backend(request).task_run_search(search)
        return Response({"results": task_runs_json(rows), "total": total})


class FlowSourceSearchView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchFlowsBySourceCode",
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("page", int),
            OpenApiParameter("size", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str) -> Response:
        from flows.api import flow_json

        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise InvalidInput("is required: the words to find in flow sources", path="q")
        search = parse_search(request.query_params, legacy={}, sortable=set())
        flows, total = scoped_backend(request).flow_source_search(search, q)
        words = [w.lower() for w in q.split()]
        return Response(
            {
                "results": [
                    {
                        "model": flow_json(f, include_source=False),
                        "fragments": [
                            line.strip()
                            for line in f.source.splitlines()
                            if any(w in line.lower() for w in words)
                        ][:5],
                    }
                    for f in flows
                ],
                "total": total,
            }
        )


def _body(request: Request) -> dict:
    body = request.data if request.data not in (None, "") else {}
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", path="body")
    return body


class ExecutionsDailyView(APIView):
    namespace_access = FILTERED

    @extend_schema(operation_id="dailyStatistics", request=STATS_BODY, responses={200: OBJECT_LIST})
    def post(self, request: Request, tenant: str) -> Response:
        return Response(stats.daily(scoped_backend(request), _body(request)))


class TaskRunsDailyView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="taskRunsDailyStatistics",
        request=STATS_BODY,
        responses={200: OBJECT_LIST},
    )
    def post(self, request: Request, tenant: str) -> Response:
        return Response(stats.daily(scoped_backend(request), _body(request), task_runs=True))


class ExecutionsByFlowView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="dailyGroupByFlowStatistics",
        request=STATS_BODY,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, tenant: str) -> Response:
        return Response(stats.daily_by_flow(scoped_backend(request), _body(request)))


class ExecutionsByNamespaceView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="dailyStatisticsGroupByNamespace",
        request=STATS_BODY,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, tenant: str) -> Response:
        return Response(stats.counts_by_namespace(scoped_backend(request), _body(request)))


class LogsDailyView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="logsDailyStatistics", request=STATS_BODY, responses={200: OBJECT_LIST}
    )
    def post(self, request: Request, tenant: str) -> Response:
        return Response(stats.logs_daily(scoped_backend(request), _body(request)))


class LatestExecutionsView(APIView):
    """The last execution of each flow asked for (Kestra's `lastExecutions`)."""

    namespace_access = FILTERED

    @extend_schema(operation_id="lastExecutions", request=STATS_BODY, responses={200: OBJECT_LIST})
    def post(self, request: Request, tenant: str) -> Response:
        flows = _body(request).get("flows") or []
        if not isinstance(flows, list):
            raise InvalidInput("must be a list of {namespace, id}", path="flows")
        backend, rows = scoped_backend(request), []
        for index, item in enumerate(flows):
            if not isinstance(item, dict) or not item.get("namespace") or not item.get("id"):
                raise InvalidInput("needs a namespace and an id", path=f"flows[{index}]")
            search = Search(size=1)
            search.filters += [
                ("namespace", "EQUALS", str(item["namespace"])),
                ("flowId", "EQUALS", str(item["id"])),
            ]
            found, _ = backend.execution_search(search)
            rows += found
        return Response(page_body(rows, len(rows))["results"])


class IndexerMetricsView(APIView):
    """The backlog in Prometheus' text format, for scraping."""

    namespace_access = GLOBAL  # operations data, no namespace
    renderer_classes = [PlainTextRenderer]

    @extend_schema(operation_id="indexerMetrics", responses={200: OpenApiTypes.STR})
    def get(self, request: Request, tenant: str) -> HttpResponse:
        backlog = drain.backlog()
        lines = [
            "# HELP kestra_indexer_backlog Outbox entries waiting to be indexed.",
            "# TYPE kestra_indexer_backlog gauge",
            f"kestra_indexer_backlog {backlog['pending']}",
            "# HELP kestra_indexer_retrying Outbox entries that failed at least once.",
            "# TYPE kestra_indexer_retrying gauge",
            f"kestra_indexer_retrying {backlog['retrying']}",
            "# HELP kestra_indexer_lag_seconds Age of the oldest waiting entry.",
            "# TYPE kestra_indexer_lag_seconds gauge",
            f"kestra_indexer_lag_seconds {backlog['lagSeconds']}",
        ]
        return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")


class IndexerStatusView(APIView):
    """The indexing backlog: its size, age and last error (zero with the database backend)."""

    namespace_access = GLOBAL  # operations data, no namespace

    @extend_schema(operation_id="indexerStatus", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, tenant: str) -> Response:
        return Response(drain.backlog())
