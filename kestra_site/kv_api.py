"""KV store API on Kestra's paths (`/api/v1/{tenant}/namespaces/{namespace}/kv...`)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.drf import READ, rights
from kestra_site import kv
from kestra_site.errors import InvalidInput, NotFound
from kestra_site.openapi import OBJECT_LIST
from workers.plugins import files


def _store(namespace: str) -> kv.KVStore:
    try:
        files.namespace_folder(namespace)
    except files.PathError as error:
        raise InvalidInput(str(error), path="namespace") from None
    return kv.store(namespace)


def _entries(namespace: str) -> list[dict]:
    try:
        return [entry.as_json(namespace) for entry in _store(namespace).entries()]
    except ValueError as error:
        raise InvalidInput(str(error), path="namespace") from None


class KeysView(APIView):
    @extend_schema(operation_id="listKeys", responses=OBJECT_LIST)
    def get(self, request: Request, tenant: str, namespace: str) -> Response:
        return Response(_entries(namespace))

    @extend_schema(operation_id="deleteKeyValues", request=OpenApiTypes.OBJECT)
    def delete(self, request: Request, tenant: str, namespace: str) -> Response:
        keys = request.data.get("keys") if isinstance(request.data, dict) else None
        if not isinstance(keys, list):
            raise InvalidInput('the body must be {"keys": [...]}', path="keys")
        store, deleted = _store(namespace), []
        for key in keys:
            try:
                if store.delete(str(key)):
                    deleted.append(key)
            except kv.KVError:
                continue
        return Response({"keys": deleted})


class InheritedKeysView(APIView):
    @extend_schema(operation_id="listKeysWithInheritance", responses=OBJECT_LIST)
    def get(self, request: Request, tenant: str, namespace: str) -> Response:
        parts = namespace.split(".")
        entries: list[dict] = []
        readable = rights(request)
        for depth in range(1, len(parts) + 1):
            # Parents' keys only where the user may read the parent too.
            if readable.allows(READ, ".".join(parts[:depth])):
                entries += _entries(".".join(parts[:depth]))
        return Response(entries)


class KeyView(APIView):
    @extend_schema(operation_id="getKeyValue", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, tenant: str, namespace: str, key: str) -> Response:
        try:
            found = _store(namespace).get(key)
        except kv.KVError as error:
            raise InvalidInput(str(error), path="key") from None
        if found is None:
            raise NotFound(f"No value found for key '{key}' in namespace '{namespace}'")
        return Response({"type": found[0], "value": found[1]})

    @extend_schema(
        operation_id="setKeyValue",
        request={"text/plain": OpenApiTypes.STR, "application/json": OpenApiTypes.ANY},
        parameters=[OpenApiParameter("ttl", str, OpenApiParameter.HEADER)],
        responses={200: None},
    )
    def put(self, request: Request, tenant: str, namespace: str, key: str) -> Response:
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("the value must be UTF-8 text", path="body") from None
        try:
            _store(namespace).put(key, kv.parse_text(body), ttl=request.headers.get("ttl"))
        except kv.KVError as error:
            raise InvalidInput(str(error), path="key") from None
        except ValueError as error:
            raise InvalidInput(f"Invalid ttl: {error}", path="ttl") from None
        return Response(status=200)

    @extend_schema(operation_id="deleteKeyValue", responses=OpenApiTypes.BOOL)
    def delete(self, request: Request, tenant: str, namespace: str, key: str) -> Response:
        try:
            return Response(_store(namespace).delete(key))
        except kv.KVError as error:
            raise InvalidInput(str(error), path="key") from None


urlpatterns = [
    path("namespaces/<str:namespace>/kv", KeysView.as_view(), name="kv-list"),
    path(
        "namespaces/<str:namespace>/kv/inheritance",
        InheritedKeysView.as_view(),
        name="kv-inheritance",
    ),
    path("namespaces/<str:namespace>/kv/<str:key>", KeyView.as_view(), name="kv-key"),
]
