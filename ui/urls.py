"""The web UI's pages, under /ui/; every page but the login needs a signed-in user, and the
namespace rights the page's URL or policy asks for (access/ui.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from access.drf import CHECKED, EXECUTE, FILTERED, GLOBAL
from access.ui import protect
from ui.login import ThrottledAuthenticationForm
from ui.views import executions, flows, pages

app_name = "ui"


def page(route: str, view, name: str, **access):
    return path(route, protect(view, **access), name=name)


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="ui/login.html",
            redirect_authenticated_user=True,
            authentication_form=ThrottledAuthenticationForm,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    page("", pages.dashboard, "dashboard", policy=FILTERED),
    page("flows/", flows.flow_list, "flows", policy=FILTERED),
    # Saving needs write on the namespace the source declares (checked in the view).
    page("flows/new/", flows.flow_new, "flow-new", policy=CHECKED),
    page("flows/preview/", flows.flow_preview, "flow-preview", policy=GLOBAL),
    page("flows/<str:namespace>/<str:flow_id>/", flows.flow_edit, "flow-edit"),
    page("flows/<str:namespace>/<str:flow_id>/revisions/", flows.flow_revisions, "flow-revisions"),
    page(
        "flows/<str:namespace>/<str:flow_id>/execute/",
        flows.flow_execute,
        "flow-execute",
        post=EXECUTE,
    ),
    page("executions/", executions.execution_list, "executions", policy=FILTERED),
    page("executions/<str:execution_id>/", executions.execution_detail, "execution"),
    page(
        "executions/<str:execution_id>/actions/<str:action>/",
        executions.execution_action,
        "execution-action",
        post=EXECUTE,
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
    page("logs/", pages.log_list, "logs", policy=FILTERED),
    page("triggers/", pages.trigger_list, "triggers", policy=FILTERED),
    page(
        "triggers/<int:pk>/<str:action>/",
        pages.trigger_action,
        "trigger-action",
        namespace_of=pages.trigger_namespace,
    ),
    page("workers/", pages.worker_list, "workers", policy=GLOBAL),
    page("namespaces/", pages.namespace_list, "namespaces", policy=FILTERED),
    page("namespaces/<str:namespace>/", pages.namespace_detail, "namespace"),
    page("namespaces/<str:namespace>/file/", pages.namespace_file, "namespace-file"),
]
