"""Create, read, search and delete executions; views only translate HTTP to services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import CHECKED, EXECUTE, FILTERED, WRITE, require_execution
from access.scope import scoped_backend
from executions import selectors, services
from executions.api import params
from executions.api.serializers import execution_json
from executions.models import Execution
from flows import selectors as flow_selectors
from kestra_site.errors import InvalidInput
from kestra_site.query import parse_search

EXECUTION = OpenApiTypes.OBJECT
SEARCH_PARAMS = [
    OpenApiParameter(name, kind)
    for name, kind in (
        ("page", int),
        ("size", int),
        ("q", str),
        ("namespace", str),
        ("flowId", str),
        ("startDate", str),
        ("endDate", str),
    )
] + [OpenApiParameter(name, str, many=True) for name in ("sort", "state", "labels")]


def execution_body(row: Execution) -> dict:
    return execution_json(row, selectors.task_runs_of(row))


def page_body(rows: list[Execution], total: int) -> dict:
    task_runs = selectors.task_runs_by_execution([r.id for r in rows])
    return {"results": [execution_json(r, task_runs[r.id]) for r in rows], "total": total}


def search_from(request: Request, **legacy_extra: str):
    search = parse_search(
        request.query_params,
        legacy={"q": "q", "namespace": "namespace", "flowId": "flowId", **legacy_extra},
        sortable=set(selectors.SORTABLE),
    )
    for state in request.query_params.getlist("state"):
        search.filters.append(("state", "IN", state))
    for name in ("startDate", "endDate"):
        value = request.query_params.get(name)
        if value:
            op = "GREATER_THAN_OR_EQUAL_TO" if name == "startDate" else "LESS_THAN_OR_EQUAL_TO"
            search.filters.append((name, op, value))
    if request.query_params.get("timeRange"):
        search.filters.append(("timeRange", "EQUALS", request.query_params["timeRange"]))
    return search


class ExecutionCreateView(APIView):
    namespace_actions = {"POST": EXECUTE}

    @extend_schema(
        operation_id="createExecution",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("labels", str, many=True),
            OpenApiParameter("wait", bool),
            OpenApiParameter("revision", int),
            OpenApiParameter("scheduleDate", str),
        ],
        responses={200: EXECUTION},
    )
    def post(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        revision = params.integer(request, "revision")
        if revision is not None and revision < 1:
            raise InvalidInput("must be a positive integer", path="revision")
        row = services.execution_create(
            namespace=namespace,
            flow_id=flow_id,
            inputs=params.inputs(request),
            labels=services.parse_labels(request.query_params.getlist("labels")),
            revision=revision,
            schedule_date=params.date(request, "scheduleDate"),
        )
        if params.boolean(request, "wait"):
            row = services.execution_wait(row.id)
        body = execution_body(row)
        body["url"] = request.build_absolute_uri(
            f"/ui/{tenant}/executions/{row.namespace}/{row.flow_id}/{row.id}"
        )
        return Response(body)


class ExecutionDetailView(APIView):
    @extend_schema(operation_id="execution", responses={200: EXECUTION})
    def get(self, request: Request, tenant: str, execution_id: str) -> Response:
        return Response(execution_body(selectors.execution_get(execution_id)))

    @extend_schema(
        operation_id="deleteExecution",
        parameters=[
            OpenApiParameter("deleteLogs", bool),
            OpenApiParameter("deleteMetrics", bool),
            OpenApiParameter("deleteStorage", bool),
        ],
        responses={204: None},
    )
    def delete(self, request: Request, tenant: str, execution_id: str) -> Response:
        services.execution_delete(
            execution_id, delete_storage=params.boolean(request, "deleteStorage", True)
        )
        return Response(status=204)


class ExecutionSearchView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchExecutions", parameters=SEARCH_PARAMS, responses={200: EXECUTION}
    )
    def get(self, request: Request, tenant: str) -> Response:
        return Response(page_body(*scoped_backend(request).execution_search(search_from(request))))


class ExecutionsByFlowView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchExecutionsByFlowId",
        parameters=[
            OpenApiParameter("namespace", str, required=True),
            OpenApiParameter("flowId", str, required=True),
            OpenApiParameter("page", int),
            OpenApiParameter("size", int),
        ],
        responses={200: EXECUTION},
    )
    def get(self, request: Request, tenant: str) -> Response:
        for name in ("namespace", "flowId"):
            if not request.query_params.get(name):
                raise InvalidInput("is required", path=name)
        search = search_from(request)
        search.filters = [(f, "EQUALS" if f == "namespace" else o, v) for f, o, v in search.filters]
        return Response(page_body(*scoped_backend(request).execution_search(search)))


class ExecutionsDeleteByIdsView(APIView):
    namespace_access = CHECKED  # write on every execution's namespace, before deleting any

    @extend_schema(
        operation_id="deleteExecutionsByIds",
        request=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("includeNonTerminated", bool)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def delete(self, request: Request, tenant: str) -> Response:
        ids = [str(i) for i in params.json_list(request, "executionsId")]
        for execution_id in ids:
            require_execution(request, execution_id, WRITE)
        count = services.executions_delete(
            ids,
            include_non_terminated=params.boolean(request, "includeNonTerminated"),
            delete_storage=params.boolean(request, "deleteStorage", True),
        )
        return Response({"count": count})


class FlowForExecutionView(APIView):
    """The flow of an execution (its revision), or a flow by namespace and id."""

    @extend_schema(operation_id="flowFromExecution", responses={200: OpenApiTypes.OBJECT})
    def get(
        self,
        request: Request,
        tenant: str,
        execution_id: str | None = None,
        namespace: str | None = None,
        flow_id: str | None = None,
    ) -> Response:
        from flows.api import flow_json

        if execution_id is not None:
            row = selectors.execution_get(execution_id)
            namespace, flow_id, revision = row.namespace, row.flow_id, row.flow_revision
        else:
            revision = params.integer(request, "revision")
            revision = revision or flow_selectors.flow_get(namespace, flow_id).revision
        found = flow_selectors.flow_revision_get(namespace, flow_id, revision)
        return Response(flow_json(found, include_source=False))
