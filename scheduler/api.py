"""The Triggers API on Kestra's paths (`/api/v1/{tenant}/triggers/...`); views only translate
HTTP to scheduler.actions / scheduler.backfills and back."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import CHECKED, EXECUTE, FILTERED, WRITE, readable_q, require
from kestra_site.errors import DomainError, InvalidInput
from kestra_site.query import parse_search
from scheduler import actions, backfills, specs
from scheduler.models import Trigger

TAGS = ["Triggers"]
SEARCH_PARAMS = [
    OpenApiParameter("page", int),
    OpenApiParameter("size", int),
    OpenApiParameter("sort", str, many=True, description="e.g. triggerId:asc"),
    OpenApiParameter("q", str),
]
BY_QUERY_PARAMS = [OpenApiParameter("q", str), OpenApiParameter("namespace", str)]


def _date(value) -> str | None:
    return None if value is None else specs.iso(value, None)


def trigger_json(row: Trigger, definition: dict | None = None) -> dict:
    """Kestra's Trigger (the trigger context), plus `type`, `sourceDisabled`, `disabledReason`
    and `lockedSince` of ours."""
    stop_after = None
    if definition is not None:
        spec = next(
            (t for t in definition.get("triggers") or [] if t.get("id") == row.trigger_id), {}
        )
        stop_after = spec.get("stopAfter")
    return {
        "namespace": row.namespace,
        "flowId": row.flow_id,
        "triggerId": row.trigger_id,
        "type": row.type or None,
        "date": _date(row.last_date),
        "nextExecutionDate": _date(row.next_date),
        "backfill": row.backfill,
        "stopAfter": stop_after,
        "disabled": row.disabled,
        "sourceDisabled": row.source_disabled,
        "disabledReason": row.disabled_reason or None,
        "executionId": row.execution_id or None,
        "updatedDate": _date(row.updated),
        "evaluateRunningDate": _date(row.evaluating_since),
        "lockedSince": _date(row.locked_since),
        "workerId": None,
    }


def _definitions(rows: list[Trigger]) -> dict[tuple[str, str], dict]:
    from flows.models import Flow

    pairs = {(r.namespace, r.flow_id) for r in rows}
    if not pairs:
        return {}
    flows = Flow.objects.filter(
        namespace__in={p[0] for p in pairs}, flow_id__in={p[1] for p in pairs}, deleted=False
    ).only("namespace", "flow_id", "definition")
    return {(f.namespace, f.flow_id): f.definition or {} for f in flows}


def _page(request: Request, rows) -> tuple[list[Trigger], int]:
    search = parse_search(request.query_params, legacy={}, sortable=set(actions.SORTABLE))
    rows = rows.order_by(
        *[("-" if desc else "") + actions.SORTABLE[name] for name, desc in search.sort]
        or ["namespace", "flow_id", "trigger_id"]
    )
    total = rows.count()
    start = (search.page - 1) * search.size
    return list(rows[start : start + search.size]), total


def _key(item, path: str) -> tuple[str, str, str]:
    if not isinstance(item, dict):
        raise InvalidInput("must be a trigger object {namespace, flowId, triggerId}", path=path)
    values = []
    for name in ("namespace", "flowId", "triggerId"):
        value = item.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidInput("is required", path=f"{path}.{name}" if path else name)
        values.append(value)
    return values[0], values[1], values[2]


def _list(body, path: str = "body") -> list:
    if not isinstance(body, list):
        raise InvalidInput("must be a list of triggers {namespace, flowId, triggerId}", path=path)
    return body


class TriggerSearchView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchTriggers",
        tags=TAGS,
        parameters=[
            *SEARCH_PARAMS,
            OpenApiParameter("namespace", str, description="prefix"),
            OpenApiParameter("flowId", str),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str) -> Response:
        params = request.query_params
        rows, total = _page(
            request,
            actions.trigger_search(
                q=params.get("q", ""),
                namespace=params.get("namespace", ""),
                flow_id=params.get("flowId", ""),
            ).filter(readable_q(request)),
        )
        definitions = _definitions(rows)
        results = []
        for row in rows:
            definition = definitions.get((row.namespace, row.flow_id))
            spec = next(
                (
                    t
                    for t in (definition or {}).get("triggers") or []
                    if t.get("id") == row.trigger_id
                ),
                None,
            )
            results.append(
                {"abstractTrigger": spec, "triggerContext": trigger_json(row, definition)}
            )
        return Response({"results": results, "total": total})


class FlowTriggersView(APIView):
    @extend_schema(
        operation_id="searchTriggersForFlow",
        tags=TAGS,
        parameters=SEARCH_PARAMS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        rows, total = _page(
            request,
            actions.trigger_search(
                q=request.query_params.get("q", ""), namespace=namespace, flow_id=flow_id
            ).filter(namespace=namespace),
        )
        definitions = _definitions(rows)
        results = [trigger_json(r, definitions.get((r.namespace, r.flow_id))) for r in rows]
        return Response({"results": results, "total": total})


class TriggerUpdateView(APIView):
    namespace_access = CHECKED  # write on the body's namespace

    @extend_schema(
        operation_id="updateTrigger",
        tags=TAGS,
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        description="Set `disabled` (false when absent, as in Kestra); a `backfill` "
        "({start, end, inputs, labels}) starts a backfill.",
    )
    def put(self, request: Request, tenant: str) -> Response:
        namespace = request.data.get("namespace") if isinstance(request.data, dict) else None
        if isinstance(namespace, str):
            require(request, namespace, WRITE)
        return Response(trigger_json(actions.trigger_update(request.data)))


class TriggerUnlockView(APIView):
    @extend_schema(
        operation_id="unlockTrigger", tags=TAGS, request=None, responses={200: OpenApiTypes.OBJECT}
    )
    def post(
        self, request: Request, tenant: str, namespace: str, flow_id: str, trigger_id: str
    ) -> Response:
        return Response(trigger_json(actions.trigger_unlock(namespace, flow_id, trigger_id)))


class TriggerRestartView(APIView):
    namespace_actions = {"POST": EXECUTE}

    @extend_schema(
        operation_id="restartTrigger", tags=TAGS, request=None, responses={200: OpenApiTypes.OBJECT}
    )
    def post(
        self, request: Request, tenant: str, namespace: str, flow_id: str, trigger_id: str
    ) -> Response:
        return Response(trigger_json(actions.trigger_restart(namespace, flow_id, trigger_id)))


def _backfill_action(action: str, key: tuple[str, str, str]) -> Trigger:
    if action == "delete":
        return backfills.backfill_delete(*key)
    return backfills.backfill_pause(*key, paused=action == "pause")


class BackfillView(APIView):
    """PUT backfill/pause, PUT backfill/unpause, POST backfill/delete: body a trigger."""

    action = "pause"
    namespace_access = CHECKED  # write on the body's namespace

    @extend_schema(tags=TAGS, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request, tenant: str) -> Response:
        key = _key(request.data, "")
        require(request, key[0], WRITE)
        return Response(trigger_json(_backfill_action(self.action, key)))

    @extend_schema(tags=TAGS, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, tenant: str) -> Response:
        return self.put(request, tenant)


def _each(keys, act) -> int:
    """Kestra's bulk rule: a trigger the action does not apply to is skipped, not an error."""
    count = 0
    for key in keys:
        try:
            act(key)
        except DomainError:
            continue
        count += 1
    return count


def _query_keys(request: Request) -> list[tuple[str, str, str]]:
    """The triggers a query matches, among those the user may change (others silently not)."""
    rows = actions.trigger_search(
        q=request.query_params.get("q", ""), namespace=request.query_params.get("namespace", "")
    ).filter(readable_q(request, action=WRITE))
    return list(rows.values_list("namespace", "flow_id", "trigger_id"))


def _body_keys(request: Request) -> list[tuple[str, str, str]]:
    body = _list(request.data)
    return [_key(item, f"[{i}]") for i, item in enumerate(body)]


class _BulkView(APIView):
    by_query = False
    # by body: write on every trigger's namespace, checked first; by query: only those
    namespace_access = CHECKED

    def keys(self, request: Request) -> list[tuple[str, str, str]]:
        return _query_keys(request) if self.by_query else _body_keys(request)

    def act(self, key: tuple[str, str, str], request: Request) -> None:
        raise NotImplementedError

    @extend_schema(tags=TAGS, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, tenant: str) -> Response:
        keys = self.keys(request)
        for key in keys:
            require(request, key[0], WRITE)
        with transaction.atomic():
            count = _each(keys, lambda key: self.act(key, request))
        return Response({"count": count})


class UnlockBulkView(_BulkView):
    def act(self, key, request):
        actions.trigger_unlock(*key)


class BackfillBulkView(_BulkView):
    action = "pause"

    def act(self, key, request):
        _backfill_action(self.action, key)


class SetDisabledByTriggersView(_BulkView):
    """Body `{"triggers": [...], "disabled": bool}`."""

    def keys(self, request: Request) -> list[tuple[str, str, str]]:
        body = request.data
        if not isinstance(body, dict):
            raise InvalidInput("must be {triggers, disabled}", path="body")
        self._disabled(body.get("disabled"))
        triggers = _list(body.get("triggers"), "triggers")
        return [_key(item, f"triggers[{i}]") for i, item in enumerate(triggers)]

    @staticmethod
    def _disabled(value) -> bool:
        if not isinstance(value, bool):
            raise InvalidInput("must be true or false", path="disabled")
        return value

    def act(self, key, request):
        disabled = self._disabled(request.data.get("disabled"))
        reason = "disabled through the API" if disabled else ""
        actions.trigger_set_disabled(*key, disabled=disabled, reason=reason)


class SetDisabledByQueryView(_BulkView):
    by_query = True

    @staticmethod
    def _disabled(request: Request) -> bool:
        raw = request.query_params.get("disabled", "true").lower()
        if raw not in ("true", "false"):
            raise InvalidInput(f"must be true or false, got {raw!r}", path="disabled")
        return raw == "true"

    def keys(self, request: Request) -> list[tuple[str, str, str]]:
        self._disabled(request)
        return super().keys(request)

    def act(self, key, request):
        disabled = self._disabled(request)
        reason = "disabled through the API" if disabled else ""
        actions.trigger_set_disabled(*key, disabled=disabled, reason=reason)

    @extend_schema(
        tags=TAGS,
        request=None,
        parameters=[*BY_QUERY_PARAMS, OpenApiParameter("disabled", bool)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, tenant: str) -> Response:
        return super().post(request, tenant)
