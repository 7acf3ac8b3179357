"""Execution actions: kill, pause, resume, restart, replay, labels, task-run state, eval."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import CHECKED, EXECUTE, EXECUTE_ACTIONS, require_execution
from executions import selectors, services
from executions.api import params
from executions.api.executions import EXECUTION, execution_body
from kestra_site.errors import InvalidInput


class KillView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(
        operation_id="killExecution",
        parameters=[OpenApiParameter("isOnKillCascade", bool)],
        responses={202: EXECUTION},
    )
    def delete(self, request: Request, tenant: str, execution_id: str) -> Response:
        # Subflow executions are always killed with their parent (the engine cascades).
        params.boolean(request, "isOnKillCascade", True)
        return Response(execution_body(services.execution_kill(execution_id)), status=202)


class PauseView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(operation_id="pauseExecution", request=None, responses={200: EXECUTION})
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        return Response(execution_body(services.execution_pause(execution_id)))


class ResumeView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(
        operation_id="resumeExecution",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: EXECUTION},
    )
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        selectors.execution_get(execution_id)
        row = services.execution_resume_typed(execution_id, params.inputs(request))
        return Response(execution_body(row))


class RestartView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(
        operation_id="restartExecution",
        request=None,
        parameters=[OpenApiParameter("revision", int)],
        responses={200: EXECUTION},
    )
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        row = services.execution_restart(execution_id, revision=params.integer(request, "revision"))
        return Response(execution_body(row))


class ReplayView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    with_inputs = False

    @extend_schema(
        operation_id="replayExecution",
        request=None,
        parameters=[OpenApiParameter("taskRunId", str), OpenApiParameter("revision", int)],
        responses={200: EXECUTION},
    )
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        row = services.execution_replay(
            execution_id,
            task_run_id=request.query_params.get("taskRunId") or None,
            revision=params.integer(request, "revision"),
            inputs=params.inputs(request) if self.with_inputs else None,
        )
        return Response(execution_body(row))


class ReplayWithInputsView(ReplayView):
    with_inputs = True

    @extend_schema(
        operation_id="replayExecutionWithInputs",
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("taskRunId", str), OpenApiParameter("revision", int)],
        responses={200: EXECUTION},
    )
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        return super().post(request, tenant, execution_id)


class Label(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField(allow_blank=True)


class LabelsView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(
        operation_id="setLabelsOnTerminatedExecution",
        request=Label(many=True),
        responses={200: EXECUTION},
    )
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        labels = Label(data=params.json_list(request, "labels"), many=True)
        labels.is_valid(raise_exception=True)
        row = services.execution_set_labels(execution_id, list(labels.validated_data))
        return Response(execution_body(row))


class StateRequest(serializers.Serializer):
    taskRunId = serializers.CharField()  # Kestra's field name
    state = serializers.CharField()


class TaskRunStateView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(
        operation_id="updateTaskRunState", request=StateRequest, responses={200: EXECUTION}
    )
    def post(self, request: Request, tenant: str, execution_id: str) -> Response:
        body = StateRequest(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.execution_change_task_run_state(
            execution_id, body.validated_data["taskRunId"], body.validated_data["state"].upper()
        )
        return Response(execution_body(row))


class EvalView(APIView):
    namespace_actions = EXECUTE_ACTIONS

    @extend_schema(
        operation_id="evalTaskRunExpression",
        request={"text/plain": OpenApiTypes.STR},
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(
        self, request: Request, tenant: str, execution_id: str, task_run_id: str | None = None
    ) -> Response:
        expression = request.data
        if not isinstance(expression, str) or not expression.strip():
            raise InvalidInput("send the expression as a text/plain body", path="body")
        return Response(selectors.execution_eval(execution_id, expression, task_run_id))


class _BulkView(APIView):
    """`[id, ...]` bodies: checks every id first, then acts on each (Kestra's by-ids)."""

    namespace_access = CHECKED  # execute on every execution's namespace, before acting

    def act(self, request: Request, execution_id: str) -> None:
        raise NotImplementedError

    def run(self, request: Request) -> Response:
        ids = [str(i) for i in params.json_list(request, "executionsId")]
        for execution_id in ids:
            selectors.execution_get(execution_id)
            require_execution(request, execution_id, EXECUTE)
        for execution_id in ids:
            self.act(request, execution_id)
        return Response({"count": len(ids)})


class KillByIdsView(_BulkView):
    def act(self, request: Request, execution_id: str) -> None:
        services.execution_kill(execution_id)

    @extend_schema(
        operation_id="killExecutionsByIds",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def delete(self, request: Request, tenant: str) -> Response:
        return self.run(request)


class RestartByIdsView(_BulkView):
    def act(self, request: Request, execution_id: str) -> None:
        services.execution_restart(execution_id)

    @extend_schema(
        operation_id="restartExecutionsByIds",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, tenant: str) -> Response:
        return self.run(request)


class ReplayByIdsView(_BulkView):
    def act(self, request: Request, execution_id: str) -> None:
        services.execution_replay(execution_id)

    @extend_schema(
        operation_id="replayExecutionsByIds",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, tenant: str) -> Response:
        return self.run(request)
