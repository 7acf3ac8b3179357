"""Namespace permissions in the API: one permission class for every view, and the helpers
views call where the namespace is in the body or a list must be filtered.

Which namespace a request acts on comes from the URL when it names one (`namespace`, or
`execution_id`: the execution's namespace). Other views declare `namespace_access`:

- `FILTERED`: a list or statistic; the view filters it to what the user may read
  (`access.scope.scoped_backend`, `readable_q`), so nothing is refused and nothing leaks.
- `CHECKED`: the namespaces are in the body (bulk actions, a flow's source); the view calls
  `require` for each before acting.
- `GLOBAL`: nothing namespaced (schemas, validation, workers): any signed-in user.

A view that neither names a namespace in its URL nor declares one of these is refused: a new
endpoint fails closed, and tests/access/test_enumeration.py fails the suite.

The action needed is read for GET, HEAD and OPTIONS and write otherwise, unless the view's
`namespace_actions` maps a method to another action (execute for running things).
"""

from __future__ import annotations

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from access.rules import EXECUTE, READ, WRITE, Rights, rights_for

FILTERED, CHECKED, GLOBAL = "filtered", "checked", "global"
POLICIES = (FILTERED, CHECKED, GLOBAL)
# Views whose unsafe methods run something rather than change definitions.
EXECUTE_ACTIONS = {"POST": EXECUTE, "PUT": EXECUTE, "DELETE": EXECUTE}

__all__ = ["CHECKED", "EXECUTE", "FILTERED", "GLOBAL", "READ", "WRITE"]
# (Imports stay light: DRF imports this module while its own settings load.)


def rights(request) -> Rights:
    return rights_for(getattr(request, "user", None))


def forbidden(action: str, namespace: str) -> PermissionDenied:
    return PermissionDenied(f"Forbidden: no {action} permission on namespace '{namespace}'")


def require(request, namespace: str, action: str) -> None:
    """Raise 403 (Kestra's error shape) unless the user may `action` on `namespace`."""
    if not rights(request).allows(action, namespace):
        raise forbidden(action, namespace)


def execution_namespace(execution_id: str) -> str | None:
    from executions.models import Execution

    return Execution.objects.filter(pk=execution_id).values_list("namespace", flat=True).first()


def require_execution(request, execution_id: str, action: str) -> None:
    """Like `require` on an execution's namespace; an unknown id is left to the view's 404."""
    namespace = execution_namespace(execution_id)
    if namespace is not None:
        require(request, namespace, action)


def readable_q(request, field: str = "namespace", action: str = READ):
    return rights(request).q(action, field)


def action_for(view, method: str) -> str:
    mapped = getattr(view, "namespace_actions", {}).get(method)
    if mapped:
        return mapped
    return READ if method in SAFE_METHODS else WRITE


class NamespacePermission(IsAuthenticated):
    """Signed in, and allowed the action on the namespace the URL names (see module doc)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        kwargs = getattr(view, "kwargs", {}) or {}
        action = action_for(view, request.method)
        if "namespace" in kwargs:
            require(request, kwargs["namespace"], action)
            return True
        if "execution_id" in kwargs:
            require_execution(request, kwargs["execution_id"], action)
            return True
        if getattr(view, "namespace_access", None) in POLICIES:
            return True
        raise PermissionDenied(
            f"{type(view).__name__} declares no namespace access rule: refused until it does"
        )
