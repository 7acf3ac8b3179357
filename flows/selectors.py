"""Reads from the flow repository."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from access.rules import scope_q
from flows.models import Flow, FlowRevision
from kestra_site.errors import InvalidInput, NotFound
from kestra_site.query import PREFIX_IN, Search

SORTABLE = {
    "id": "flow_id",
    "namespace": "namespace",
    "revision": "revision",
    "updated": "updated",
    "created": "created",
}


def flows_active() -> QuerySet[Flow]:
    return Flow.objects.filter(tenant=settings.KESTRA["TENANT"], deleted=False)


def namespace_q(field: str, namespace: str) -> Q:
    """A namespace and everything below it (Kestra's namespace filter is a prefix on segments)."""
    return Q(**{field: namespace}) | Q(**{f"{field}__startswith": namespace + "."})


def flow_get(namespace: str, flow_id: str, *, allow_deleted: bool = False) -> Flow:
    flow = Flow.objects.filter(
        tenant=settings.KESTRA["TENANT"], namespace=namespace, flow_id=flow_id
    ).first()
    if flow is None or (flow.deleted and not allow_deleted):
        raise NotFound(f"Flow not found: {namespace}.{flow_id}")
    return flow


def flow_revision_get(namespace: str, flow_id: str, revision: int) -> FlowRevision:
    flow = flow_get(namespace, flow_id, allow_deleted=True)
    found = flow.revisions.filter(revision=revision).first()
    if found is None:
        raise NotFound(f"Flow {namespace}.{flow_id} has no revision {revision}")
    return found


def flow_revisions(namespace: str, flow_id: str, *, allow_deleted: bool = False):
    flow = flow_get(namespace, flow_id, allow_deleted=True)
    revisions = flow.revisions.order_by("revision")
    if not allow_deleted:
        revisions = revisions.filter(deleted=False)
    return flow, list(revisions)


def _text_filter(field: str, op: str, value: str) -> Q:
    lookups = {
        "EQUALS": "",
        "NOT_EQUALS": "",
        "PREFIX": "__startswith",
        "STARTS_WITH": "__startswith",
        "ENDS_WITH": "__endswith",
        "CONTAINS": "__icontains",
        "REGEX": "__regex",
    }
    if op in ("IN", "NOT_IN"):
        q = Q(**{f"{field}__in": [v for v in value.split(",") if v]})
        return ~q if op == "NOT_IN" else q
    q = Q(**{f"{field}{lookups.get(op, '')}": value})
    return ~q if op == "NOT_EQUALS" else q


def flow_search(search: Search) -> tuple[list[Flow], int]:
    flows = flows_active()
    for field, op, value in search.filters:
        if field == "q":
            flows = flows.filter(
                Q(flow_id__icontains=value)
                | Q(namespace__icontains=value)
                | Q(description__icontains=value)
            )
        elif field == "namespace" and op == PREFIX_IN:
            flows = flows.filter(scope_q("namespace", value))
        elif field == "namespace":
            flows = flows.filter(
                namespace_q("namespace", value)
                if op == "PREFIX"
                else _text_filter("namespace", op, value)
            )
        elif field in ("flowId", "id"):
            flows = flows.filter(_text_filter("flow_id", op, value))
        elif field == "scope":
            continue  # user flows only: system flows do not exist here
        else:
            raise InvalidInput(f"unknown filter field {field!r}", path=f"filters[{field}]")
    ordering = [
        ("-" if desc else "") + SORTABLE[name]
        for name, desc in (search.sort or [("namespace", False), ("id", False)])
    ]
    flows = flows.order_by(*ordering)
    start = (search.page - 1) * search.size
    if not search.labels:
        return list(flows[start : start + search.size]), flows.count()
    # Labels are a JSON list of {key, value}; matched in Python to stay portable across databases.
    matching = [f for f in flows if _has_labels(f.labels, search.labels)]
    return matching[start : start + search.size], len(matching)


def _has_labels(labels: list[dict], wanted: dict[str, str]) -> bool:
    present = {str(item.get("key")): str(item.get("value")) for item in labels or []}
    return all(present.get(k) == v for k, v in wanted.items())


def namespaces_distinct(q: str | None = None) -> list[str]:
    names = flows_active().values_list("namespace", flat=True).distinct().order_by("namespace")
    if q:
        names = names.filter(namespace__icontains=q)
    return list(names)


def flow_revision_definition(namespace: str, flow_id: str, revision: int) -> dict:
    """The Kestra JSON of one revision of a flow (revisions are immutable: safe to cache)."""
    found = (
        FlowRevision.objects.filter(
            flow__tenant=settings.KESTRA["TENANT"],
            flow__namespace=namespace,
            flow__flow_id=flow_id,
            revision=revision,
        )
        .values_list("definition", flat=True)
        .first()
    )
    if found is None:
        raise NotFound(f"Flow {namespace}.{flow_id} has no revision {revision}")
    return found
