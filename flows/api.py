"""The flow API on Kestra's paths (`/api/v1/{tenant}/flows/...`); views only translate HTTP."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import CHECKED, FILTERED, GLOBAL, WRITE, require, rights
from access.scope import scoped_backend
from flows import selectors, services, spec
from flows.models import Flow, FlowRevision
from kestra_site.errors import InvalidInput
from kestra_site.openapi import OBJECT_LIST, STRING_LIST
from kestra_site.query import parse_search

YAML_BODY = {"application/x-yaml": OpenApiTypes.STR}
FLOW_RESPONSE = OpenApiTypes.OBJECT


def _bool(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise InvalidInput(f"must be true or false, got {raw!r}", path=name)


def _yaml_body(request: Request) -> str:
    body = request.data
    if not isinstance(body, str):
        raise InvalidInput(
            "the body must be a YAML flow source (Content-Type: application/x-yaml)", path="body"
        )
    if not body.strip():
        raise InvalidInput("the body is empty: send a YAML flow source", path="body")
    return body


def flow_json(obj: Flow | FlowRevision, *, include_source: bool) -> dict:
    """Kestra's Flow / FlowWithSource JSON for a flow or one of its revisions."""
    flow = obj if isinstance(obj, Flow) else obj.flow
    stamp = obj.updated if isinstance(obj, Flow) else obj.created
    data = {"id": flow.flow_id, "namespace": flow.namespace, "revision": obj.revision}
    data.update({k: v for k, v in obj.definition.items() if k not in data})
    data.update(
        disabled=obj.disabled,
        deleted=obj.deleted,
        draft=False,
        updated=stamp.isoformat().replace("+00:00", "Z"),
    )
    if include_source:
        data["source"] = obj.source
    return data


class IdWithNamespace(serializers.Serializer):
    namespace = serializers.CharField()
    id = serializers.CharField()


class FlowCreateView(APIView):
    namespace_access = CHECKED  # write on the namespace the source declares

    @extend_schema(operation_id="createFlow", request=YAML_BODY, responses={200: FLOW_RESPONSE})
    def post(self, request: Request, tenant: str) -> Response:
        source = _yaml_body(request)
        require(request, services.flow_parse(source).namespace, WRITE)
        flow = services.flow_create(source=source, user=request.user)
        return Response(flow_json(flow, include_source=True))


class FlowDetailView(APIView):
    @extend_schema(
        operation_id="getFlow",
        parameters=[
            OpenApiParameter("source", bool),
            OpenApiParameter("revision", int),
            OpenApiParameter("allowDeleted", bool),
        ],
        responses={200: FLOW_RESPONSE},
    )
    def get(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        include_source = _bool(request, "source")
        revision = request.query_params.get("revision")
        if revision not in (None, ""):
            if not revision.isdigit():
                raise InvalidInput("must be a positive integer", path="revision")
            obj = selectors.flow_revision_get(namespace, flow_id, int(revision))
            return Response(flow_json(obj, include_source=include_source))
        flow = selectors.flow_get(namespace, flow_id, allow_deleted=_bool(request, "allowDeleted"))
        return Response(flow_json(flow, include_source=include_source))

    @extend_schema(operation_id="updateFlow", request=YAML_BODY, responses={200: FLOW_RESPONSE})
    def put(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        flow = services.flow_update(
            namespace=namespace, flow_id=flow_id, source=_yaml_body(request), user=request.user
        )
        return Response(flow_json(flow, include_source=True))

    @extend_schema(operation_id="deleteFlow", request=None, responses={204: None})
    def delete(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        services.flow_delete(namespace=namespace, flow_id=flow_id, user=request.user)
        return Response(status=204)


class FlowRevisionsView(APIView):
    @extend_schema(
        operation_id="listFlowRevisions",
        parameters=[OpenApiParameter("allowDelete", bool)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str, namespace: str, flow_id: str) -> Response:
        _, revisions = selectors.flow_revisions(
            namespace, flow_id, allow_deleted=_bool(request, "allowDelete", True)
        )
        return Response([flow_json(r, include_source=True) for r in revisions])


class FlowSearchView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="searchFlows",
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("namespace", str),
            OpenApiParameter("labels", str, many=True),
            OpenApiParameter("page", int),
            OpenApiParameter("size", int),
            OpenApiParameter("sort", str, many=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str) -> Response:
        search = parse_search(
            request.query_params,
            legacy={"q": "q", "namespace": "namespace"},
            sortable=set(selectors.SORTABLE),
        )
        flows, total = scoped_backend(request).flow_search(search)
        return Response(
            {"results": [flow_json(f, include_source=False) for f in flows], "total": total}
        )


class FlowNamespaceView(APIView):
    @extend_schema(operation_id="listFlowsByNamespace", responses={200: OBJECT_LIST})
    def get(self, request: Request, tenant: str, namespace: str) -> Response:
        flows = selectors.flows_active().filter(namespace=namespace).order_by("flow_id")
        return Response([flow_json(f, include_source=False) for f in flows])

    @extend_schema(
        operation_id="updateFlowsInNamespace",
        request=YAML_BODY,
        parameters=[OpenApiParameter("delete", bool)],
        responses={200: OBJECT_LIST},
    )
    def post(self, request: Request, tenant: str, namespace: str) -> Response:
        flows = services.flows_update_namespace(
            namespace=namespace,
            source=_yaml_body(request),
            delete=_bool(request, "delete", True),
            user=request.user,
        )
        return Response([flow_json(f, include_source=True) for f in flows])


class FlowBulkView(APIView):
    namespace_access = CHECKED  # write on the namespace (children included)

    @extend_schema(
        operation_id="bulkUpdateFlows",
        request=YAML_BODY,
        parameters=[
            OpenApiParameter("namespace", str),
            OpenApiParameter("delete", bool),
            OpenApiParameter("allowNamespaceChild", bool),
        ],
        responses={200: OBJECT_LIST},
    )
    def post(self, request: Request, tenant: str) -> Response:
        body = _yaml_body(request)
        namespace = request.query_params.get("namespace")
        if not namespace:
            documents = spec.split_documents(body)
            namespaces = {
                services.flow_parse(d, path_prefix=f"[{i}].").namespace
                for i, d in enumerate(documents)
            }
            if len(namespaces) != 1:
                raise InvalidInput(
                    "flows of several namespaces need the namespace parameter", path="namespace"
                )
            namespace = namespaces.pop()
        require(request, namespace, WRITE)
        flows = services.flows_update_namespace(
            namespace=namespace,
            source=body,
            delete=_bool(request, "delete"),
            allow_children=_bool(request, "allowNamespaceChild"),
            user=request.user,
        )
        return Response([flow_json(f, include_source=True) for f in flows])


class FlowValidateView(APIView):
    namespace_access = GLOBAL  # reads and writes nothing

    @extend_schema(operation_id="validateFlows", request=YAML_BODY, responses={200: OBJECT_LIST})
    def post(self, request: Request, tenant: str) -> Response:
        reports = services.flows_validate(_yaml_body(request))
        return Response(
            [
                {
                    "index": r.index,
                    "flow": r.flow_id,
                    "namespace": r.namespace,
                    "constraints": "\n".join(str(v) for v in r.violations) or None,
                    "violations": [v.as_dict() for v in r.violations],
                    "outdated": False,
                    "deprecationPaths": [w.path for w in r.warnings],
                    "warnings": [str(w) for w in r.warnings],
                    "infos": [],
                }
                for r in reports
            ]
        )


class DistinctNamespacesView(APIView):
    namespace_access = FILTERED

    @extend_schema(
        operation_id="listDistinctNamespaces",
        parameters=[OpenApiParameter("q", str)],
        responses={200: STRING_LIST},
    )
    def get(self, request: Request, tenant: str) -> Response:
        names = selectors.namespaces_distinct(request.query_params.get("q"))
        return Response(rights(request).keep(names))


class _ByIdsView(APIView):
    namespace_access = CHECKED  # write on every flow's namespace, checked before any change

    def _ids(self, request: Request) -> list[tuple[str, str]]:
        serializer = IdWithNamespace(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        ids = [(item["namespace"], item["id"]) for item in serializer.validated_data]
        for namespace, _ in ids:
            require(request, namespace, WRITE)
        return ids


class FlowsDisableByIdsView(_ByIdsView):
    disabled = True

    @extend_schema(request=IdWithNamespace(many=True), responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, tenant: str) -> Response:
        ids = self._ids(request)
        with transaction.atomic():
            for namespace, flow_id in ids:
                services.flow_set_disabled(
                    namespace=namespace, flow_id=flow_id, disabled=self.disabled, user=request.user
                )
        return Response({"count": len(ids)})


class FlowsEnableByIdsView(FlowsDisableByIdsView):
    disabled = False


class FlowsDeleteByIdsView(_ByIdsView):
    @extend_schema(request=IdWithNamespace(many=True), responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, tenant: str) -> Response:
        ids = self._ids(request)
        with transaction.atomic():
            for namespace, flow_id in ids:
                services.flow_delete(namespace=namespace, flow_id=flow_id, user=request.user)
        return Response({"count": len(ids)})


class FlowSchemaView(APIView):
    namespace_access = GLOBAL

    @extend_schema(operation_id="flowJsonSchema", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, tenant: str | None = None, kind: str = "flow") -> Response:
        if kind.lower() != "flow":
            raise InvalidInput(f"unknown schema {kind!r}; available: flow", path="type")
        return Response(spec.flow_json_schema())
