"""Every route of the URL configuration is checked: API views carry the namespace permission
and say how they find their namespace, UI pages are wrapped by access.ui.protect, and the few
routes without a check are on ALLOWED with the reason. Then every route is called by a signed-in
user with no grant at all: nothing namespaced answers 2xx with data, and nothing changes.

A new endpoint without a check fails `test_every_route_is_protected`; the last tests prove it
with a small test-only URL configuration."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import POLICIES, NamespacePermission
from executions.models import Execution
from flows.models import Flow
from scheduler.models import Trigger

pytestmark = pytest.mark.django_db

# Routes that check no namespace, each with the reason. Keep this list short.
ALLOWED = {
    "root": "a redirect to /ui/, no data",
    "health": "the liveness probe: unauthenticated by design, answers UP or DOWN only",
    "openapi-schema": "the API's description (signed-in users, SERVE_PERMISSIONS), no data",
    "swagger-ui": "the API browser page, no data",
    "execution-webhook": "anonymous by design: the key in the URL is the secret",
    "ui:login": "the login page",
    "ui:logout": "the logout page",
    "rest_framework:login": "DRF's login page",
    "rest_framework:logout": "DRF's logout page",
}
# Django's admin checks is_staff itself (test_the_admin_is_for_staff_only).
ADMIN_NAMESPACE = "admin"
NAMESPACED_KWARGS = {"namespace", "execution_id"}


@dataclass
class Route:
    route: str  # the path with its converters, e.g. api/v1/main/flows/<str:namespace>
    name: str  # namespace:name
    callback: object
    kwargs: set[str]
    app_namespace: str


def walk(patterns, prefix: str = "", namespace: str = "", kwargs=frozenset()) -> list[Route]:
    """Every URLPattern under `patterns`, through includes, with its full route and kwargs."""
    found = []
    for entry in patterns:
        names = set(getattr(entry.pattern, "converters", {})) or set(entry.pattern.regex.groupindex)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(p for p in (namespace, entry.namespace or "") if p)
            found += walk(entry.url_patterns, route, inner, kwargs | names)
        elif isinstance(entry, URLPattern):
            name = ":".join(p for p in (namespace, entry.name or "") if p)
            found.append(Route(route, name, entry.callback, set(kwargs | names), namespace))
    return found


def drf_views(callback) -> list[type]:
    """The DRF view classes a route runs (a dispatching function names its own)."""
    views = [getattr(v, "cls", None) for v in getattr(callback, "wrapped_views", ())]
    views.append(getattr(callback, "cls", None))
    return [v for v in views if isinstance(v, type) and issubclass(v, APIView)]


def problems(routes: list[Route]) -> list[str]:
    """What is wrong with each route's protection (empty: all protected)."""
    out = []
    for route in routes:
        if route.name in ALLOWED or route.app_namespace == ADMIN_NAMESPACE:
            continue
        namespaced = bool(route.kwargs & NAMESPACED_KWARGS)
        views = drf_views(route.callback)
        if views:
            for view in views:
                if not any(issubclass(p, NamespacePermission) for p in view.permission_classes):
                    out.append(f"{route.route}: {view.__name__} lacks NamespacePermission")
                if not namespaced and getattr(view, "namespace_access", None) not in POLICIES:
                    out.append(
                        f"{route.route}: {view.__name__} names no namespace in its URL and "
                        "declares no namespace_access"
                    )
        elif getattr(route.callback, "namespace_protected", False):
            declared = route.callback.namespace_policy in POLICIES
            if not (namespaced or route.callback.namespace_of or declared):
                out.append(f"{route.route}: the page declares no namespace policy")
        else:
            out.append(f"{route.route} ({route.name}): neither a checked API view nor a page")
    return out


def test_every_route_is_protected():
    routes = walk(get_resolver().url_patterns)
    assert len(routes) > 100  # the walk went through every include
    assert problems(routes) == []
    names = {r.name for r in routes}
    assert set(ALLOWED) <= names, f"stale allowlist entries: {set(ALLOWED) - names}"


def _url(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], route)


def _methods(route: Route) -> list[str]:
    views = drf_views(route.callback)
    if not views:
        return ["get", "post"]
    found = {m for v in views for m in ("get", "post", "put", "delete", "patch") if hasattr(v, m)}
    return sorted(found)


def test_a_user_without_grants_gets_nothing_anywhere(world, make_user):
    user, api = make_user("nobody")
    page = Client()
    page.force_login(user)
    trigger = Trigger.objects.get(namespace="company.teamx")
    values = {
        "tenant": "main",
        "namespace": "company.teamx",
        "flow_id": "job",
        "trigger_id": "nightly",
        "execution_id": world["company.teamx"],
        "task_run_id": "x",
        "key": "key",
        "kind": "flow",
        "pk": str(trigger.pk),
        "action": "disable",
    }
    markers = [*world.values(), "hello from", "company.teamx", "company.team.sub"]
    before = (
        Flow.objects.filter(deleted=False).count(),
        Execution.objects.count(),
        Trigger.objects.filter(disabled=False).count(),
    )
    checked = 0
    for route in walk(get_resolver().url_patterns):
        if route.name in ALLOWED or route.app_namespace == ADMIN_NAMESPACE:
            continue
        url = _url(route.route, values)
        client = api if route.route.startswith("api/") else page
        names_namespace = bool(route.kwargs & NAMESPACED_KWARGS) or getattr(
            route.callback, "namespace_of", None
        )
        for method in _methods(route):
            response = getattr(client, method)(url)
            checked += 1
            where = f"{method.upper()} {url}"
            if names_namespace:
                assert response.status_code == 403, (where, response.status_code)
                continue
            assert response.status_code not in (401,), where
            if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
                body = response.content.decode(errors="replace")
                leaked = [m for m in markers if m in body]
                assert not leaked, (where, leaked)
    assert checked > 100
    after = (
        Flow.objects.filter(deleted=False).count(),
        Execution.objects.count(),
        Trigger.objects.filter(disabled=False).count(),
    )
    assert after == before


def test_forbidden_api_answers_use_kestras_error_shape(world, make_user):
    _, api = make_user("nobody")
    response = api.get(f"/api/v1/main/executions/{world['other']}")
    assert response.status_code == 403
    assert json.loads(response.content) == {
        "message": "Forbidden: no read permission on namespace 'other'"
    }


def test_forbidden_pages_render_the_403_page(world, make_user):
    user, _ = make_user("nobody")
    page = Client()
    page.force_login(user)
    response = page.get("/ui/flows/other/job/")
    assert response.status_code == 403
    assert b'id="forbidden"' in response.content and b"namespace &#x27;other&#x27;" in (
        response.content
    )


def test_the_admin_is_for_staff_only(make_user):
    user, _ = make_user("nobody")
    page = Client()
    page.force_login(user)
    assert page.get("/admin/").status_code == 302  # to the admin's login
    assert page.get("/admin/access/namespacepermission/").status_code == 302


# ---- the guard itself: an unprotected endpoint is caught --------------------------------------


class LeakyView(APIView):
    """Forgot the namespace permission: lists every flow to any signed-in user."""

    permission_classes = [IsAuthenticated]

    def get(self, request, **kwargs):
        return Response(list(Flow.objects.values_list("namespace", flat=True)))


class UndeclaredView(APIView):
    """Has the default permission, but no namespace in its URL and no declared policy."""

    def get(self, request, **kwargs):
        return Response(list(Flow.objects.values_list("namespace", flat=True)))


@login_required
def leaky_page(request):
    return HttpResponse(", ".join(Flow.objects.values_list("namespace", flat=True)))


urlpatterns = [
    path("api/leaky/<str:namespace>", LeakyView.as_view(), name="leaky"),
    path("api/undeclared", UndeclaredView.as_view(), name="undeclared"),
    path("ui/leaky/", leaky_page, name="leaky-page"),
]


def test_a_new_endpoint_without_a_check_is_detected():
    found = problems(walk(urlpatterns))
    assert len(found) == 3, found
    assert "LeakyView lacks NamespacePermission" in found[0]
    assert "UndeclaredView names no namespace in its URL" in found[1]
    assert "neither a checked API view nor a page" in found[2]


@override_settings(ROOT_URLCONF=__name__)
def test_an_undeclared_view_fails_closed(world, make_user):
    _, api = make_user("reader", ("company.team", "read"))
    response = api.get("/api/undeclared")
    assert response.status_code == 403
    assert "declares no namespace access rule" in response.json()["message"]
    # and the leaky one really leaks: the sweep above would have caught it
    assert "other" in api.get("/api/leaky/x").json()
