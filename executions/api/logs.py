"""The log API: an execution's logs (list, download, delete) and the log search."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import FILTERED
from access.scope import scoped_backend
from executions import selectors, services
from executions.api import params
from executions.api.serializers import log_json, log_line
from kestra_site.query import parse_search

FILTERS = [
    OpenApiParameter("minLevel", str),
    OpenApiParameter("taskRunId", str),
    OpenApiParameter("taskId", str),
    OpenApiParameter("attempt", int),
]


def _filters(request: Request) -> dict:
    return {
        "min_level": request.query_params.get("minLevel") or None,
        "task_run_id": request.query_params.get("taskRunId") or None,
        "task_id": request.query_params.get("taskId") or None,
        "attempt": params.integer(request, "attempt"),
    }


class ExecutionLogsView(APIView):
    @extend_schema(
        operation_id="listLogsFromExecution",
        parameters=FILTERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str, execution_id: str) -> Response:
        selectors.execution_get(execution_id)
        rows = selectors.logs_of_execution(execution_id, **_filters(request))
        return Response([log_json(r) for r in rows])

    @extend_schema(
        operation_id="deleteLogsFromExecution", parameters=FILTERS, responses={204: None}
    )
    def delete(self, request: Request, tenant: str, execution_id: str) -> Response:
        services.logs_delete(execution_id, **_filters(request))
        return Response(status=204)


class DownloadLogsView(APIView):
    renderer_classes = [params.PlainTextRenderer, JSONRenderer]

    @extend_schema(
        operation_id="downloadLogsFromExecution",
        parameters=FILTERS,
        responses={200: OpenApiTypes.STR},
    )
    def get(self, request: Request, tenant: str, execution_id: str):
        selectors.execution_get(execution_id)
        rows = selectors.logs_of_execution(execution_id, **_filters(request))
        response = StreamingHttpResponse(
            (log_line(r) + "\n" for r in rows.iterator(chunk_size=1000)),
            content_type="text/plain; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{execution_id}.log"'
        return response


class LogSearchView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchLogs",
        parameters=[
            OpenApiParameter(name, kind)
            for name, kind in (
                ("q", str),
                ("page", int),
                ("size", int),
                ("namespace", str),
                ("flowId", str),
                ("minLevel", str),
                ("startDate", str),
                ("endDate", str),
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str) -> Response:
        search = parse_search(
            request.query_params,
            legacy={"q": "q", "namespace": "namespace", "flowId": "flowId", "minLevel": "level"},
            sortable=set(selectors.LOG_SORTABLE),
        )
        for name, op in (
            ("startDate", "GREATER_THAN_OR_EQUAL_TO"),
            ("endDate", "LESS_THAN_OR_EQUAL_TO"),
        ):
            if request.query_params.get(name):
                search.filters.append((name, op, request.query_params[name]))
        rows, total = scoped_backend(request).log_search(search)
        return Response({"results": [log_json(r) for r in rows], "total": total, "type": "OFFSET"})
