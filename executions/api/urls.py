"""Execution and log routes, mounted under `/api/v1/<tenant>/`; fixed segments come first.

kestrapy 2.x calls actions under `executions/{id}/actions/...`. `executions/{a}/{b}` is also
Kestra's create path: a POST there always creates (so a flow may be called `graph`).
"""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from executions.api import actions, executions, files, graph, logs, streams, webhooks

E = "executions/<str:execution_id>"


def _or_create(view, flow_id: str):
    """GET/DELETE `executions/{id}/<flow_id>` reads the execution; POST creates an execution."""
    read = view.as_view()
    create = executions.ExecutionCreateView.as_view()

    @csrf_exempt
    def dispatch(request, tenant: str, execution_id: str):
        if request.method == "POST":
            return create(request, tenant=tenant, namespace=execution_id, flow_id=flow_id)
        return read(request, tenant=tenant, execution_id=execution_id)

    dispatch.wrapped_views = (read, create)  # both check permissions (tests/access)
    return dispatch


urlpatterns = [
    path(
        "executions/webhook/<str:namespace>/<str:flow_id>/<str:key>",
        webhooks.WebhookView.as_view(),
        name="execution-webhook",
    ),
    path("executions", executions.ExecutionsByFlowView.as_view(), name="execution-by-flow"),
    path("executions/search", executions.ExecutionSearchView.as_view(), name="execution-search"),
    path(
        "executions/by-ids",
        executions.ExecutionsDeleteByIdsView.as_view(),
        name="execution-delete-by-ids",
    ),
    path("executions/kill/by-ids", actions.KillByIdsView.as_view(), name="execution-kill-by-ids"),
    path(
        "executions/restart/by-ids",
        actions.RestartByIdsView.as_view(),
        name="execution-restart-by-ids",
    ),
    path(
        "executions/replay/by-ids",
        actions.ReplayByIdsView.as_view(),
        name="execution-replay-by-ids",
    ),
    path(
        "executions/flows/<str:namespace>/<str:flow_id>",
        executions.FlowForExecutionView.as_view(),
        name="execution-flow-by-id",
    ),
    path(E, executions.ExecutionDetailView.as_view(), name="execution-detail"),
    path(f"{E}/flow", _or_create(executions.FlowForExecutionView, "flow"), name="execution-flow"),
    path(f"{E}/graph", _or_create(graph.ExecutionGraphView, "graph"), name="execution-graph"),
    path(f"{E}/follow", _or_create(streams.FollowExecutionView, "follow"), name="execution-follow"),
    path(f"{E}/kill", _or_create(actions.KillView, "kill"), name="execution-kill-legacy"),
    path(f"{E}/file", _or_create(files.ExecutionFileView, "file"), name="execution-file"),
    path(f"{E}/file/metas", files.ExecutionFileMetasView.as_view(), name="execution-file-metas"),
    path(
        f"{E}/file/preview",
        files.ExecutionFilePreviewView.as_view(),
        name="execution-file-preview",
    ),
    path(
        "executions/<str:namespace>/<str:flow_id>",
        executions.ExecutionCreateView.as_view(),
        name="execution-create",
    ),
    path(
        "flows/<str:namespace>/<str:flow_id>/graph",
        graph.FlowGraphView.as_view(),
        name="flow-graph",
    ),
    path("logs/search", logs.LogSearchView.as_view(), name="log-search"),
    path("logs/<str:execution_id>", logs.ExecutionLogsView.as_view(), name="log-execution"),
    path("logs/<str:execution_id>/download", logs.DownloadLogsView.as_view(), name="log-download"),
    path("logs/<str:execution_id>/follow", streams.FollowLogsView.as_view(), name="log-follow"),
]

_ACTIONS = [
    ("kill", actions.KillView),
    ("pause", actions.PauseView),
    ("resume", actions.ResumeView),
    ("restart", actions.RestartView),
    ("replay", actions.ReplayView),
    ("replay-with-inputs", actions.ReplayWithInputsView),
    ("labels", actions.LabelsView),
    ("state", actions.TaskRunStateView),
    ("eval", actions.EvalView),
]
urlpatterns += [
    path(f"{E}/actions/{name}", view.as_view(), name=f"execution-{name}") for name, view in _ACTIONS
]
urlpatterns += [
    path(
        f"{E}/actions/eval/<str:task_run_id>", actions.EvalView.as_view(), name="execution-eval-tr"
    ),
    path(
        f"{E}/eval/<str:task_run_id>", actions.EvalView.as_view(), name="execution-eval-tr-legacy"
    ),
]
