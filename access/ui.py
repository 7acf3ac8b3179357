"""Namespace permissions on the web UI's pages: one decorator for every page.

`protect(view, ...)` is `login_required` plus the check the API's permission class makes: the
namespace named by the URL (`namespace`, an `execution_id`'s namespace, or `namespace_of`)
needs read for GET and HEAD, and `post` (write unless said otherwise) for other methods. A page
with no namespace in its URL declares `policy` (drf.FILTERED, CHECKED or GLOBAL), as API views
do. Refusals raise PermissionDenied: Django answers 403 with ui/templates/403.html.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from access.drf import POLICIES, execution_namespace
from access.rules import READ, WRITE, rights_for


def _namespaces(kwargs: dict, namespace_of) -> list[str]:
    found = []
    if "namespace" in kwargs:
        found.append(kwargs["namespace"])
    if "execution_id" in kwargs:
        namespace = execution_namespace(kwargs["execution_id"])
        if namespace is not None:
            found.append(namespace)
    if namespace_of is not None:
        namespace = namespace_of(**kwargs)
        if namespace is not None:
            found.append(namespace)
    return found


def protect(
    view: Callable,
    *,
    post: str = WRITE,
    policy: str | None = None,
    namespace_of: Callable[..., str | None] | None = None,
) -> Callable:
    """The page `view`, signed-in users only and checked against their namespace rights."""
    if policy is not None and policy not in POLICIES:
        raise ImproperlyConfigured(f"unknown namespace access policy {policy!r}")

    @wraps(view)
    def checked(request, *args, **kwargs):
        names_namespace = "namespace" in kwargs or "execution_id" in kwargs or namespace_of
        if not names_namespace and policy is None:
            raise PermissionDenied(f"{view.__name__} declares no namespace access rule")
        action = READ if request.method in ("GET", "HEAD") else post
        rights = rights_for(request.user)
        for namespace in _namespaces(kwargs, namespace_of):
            if not rights.allows(action, namespace):
                raise PermissionDenied(f"No {action} permission on namespace '{namespace}'")
        return view(request, *args, **kwargs)

    page = login_required(checked)
    page.namespace_protected = True  # what tests/access/test_enumeration.py looks for
    page.namespace_policy = policy
    page.namespace_of = namespace_of
    return page
