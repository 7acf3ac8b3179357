"""The web UI's pages, under /ui/; every page but the login needs a signed-in user."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path

from ui.views import executions, flows, pages

app_name = "ui"


def page(route: str, view, name: str):
    return path(route, login_required(view), name=name)


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="ui/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    page("", pages.dashboard, "dashboard"),
    page("flows/", flows.flow_list, "flows"),
    page("flows/new/", flows.flow_new, "flow-new"),
    page("flows/preview/", flows.flow_preview, "flow-preview"),
    page("flows/<str:namespace>/<str:flow_id>/", flows.flow_edit, "flow-edit"),
    page("flows/<str:namespace>/<str:flow_id>/revisions/", flows.flow_revisions, "flow-revisions"),
    page("flows/<str:namespace>/<str:flow_id>/execute/", flows.flow_execute, "flow-execute"),
    page("executions/", executions.execution_list, "executions"),
    page("executions/<str:execution_id>/", executions.execution_detail, "execution"),
    page(
        "executions/<str:execution_id>/actions/<str:action>/",
        executions.execution_action,
        "execution-action",
    ),
    page(
        "executions/<str:execution_id>/preview/", executions.execution_preview, "execution-preview"
    ),
    # The address the API gives in an execution's `url` (Kestra's UI path).
    page(
        "<str:tenant>/executions/<str:namespace>/<str:flow_id>/<str:execution_id>",
        executions.execution_kestra_url,
        "execution-kestra-url",
    ),
    page("logs/", pages.log_list, "logs"),
    page("triggers/", pages.trigger_list, "triggers"),
    page("triggers/<int:pk>/<str:action>/", pages.trigger_action, "trigger-action"),
    page("workers/", pages.worker_list, "workers"),
    page("namespaces/", pages.namespace_list, "namespaces"),
    page("namespaces/<str:namespace>/", pages.namespace_detail, "namespace"),
    page("namespaces/<str:namespace>/file/", pages.namespace_file, "namespace-file"),
]
