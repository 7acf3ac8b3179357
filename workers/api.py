"""Live workers and worker groups, as their heartbeats report them."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import GLOBAL
from kestra_site.openapi import OBJECT_LIST
from workers import selectors


def _stamp(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


class WorkersView(APIView):
    namespace_access = GLOBAL  # live workers: no namespace

    @extend_schema(
        operation_id="listWorkers",
        parameters=[OpenApiParameter("all", bool)],
        responses={200: OBJECT_LIST},
    )
    def get(self, request: Request, tenant: str) -> Response:
        include_dead = request.query_params.get("all", "").lower() in ("1", "true")
        return Response(
            [
                {
                    "id": row.worker_id,
                    "hostname": row.hostname,
                    "pid": row.pid,
                    "groups": [q for q in row.queues if q != "executor"],
                    "queues": row.queues,
                    "running": row.running,
                    "started": _stamp(row.started),
                    "lastSeen": _stamp(row.last_seen),
                    "alive": alive,
                }
                for row, alive in selectors.workers_list(include_dead=include_dead)
            ]
        )


class WorkerGroupsView(APIView):
    namespace_access = GLOBAL  # live workers: no namespace

    @extend_schema(operation_id="listWorkerGroups", responses={200: OBJECT_LIST})
    def get(self, request: Request, tenant: str) -> Response:
        return Response(selectors.worker_groups())
