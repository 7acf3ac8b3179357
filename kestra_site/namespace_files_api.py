"""Namespace files API on Kestra's paths (`/api/v1/{tenant}/namespaces/{namespace}/files...`)."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kestra_site import namespace_files as service
from kestra_site.errors import InvalidInput

PATH = OpenApiParameter("path", str)


class BinaryRenderer(BaseRenderer):
    """Lets clients that ask for octet-stream (kestrapy) reach the file views."""

    media_type = "application/octet-stream"
    format = "bin"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class FilesView(APIView):
    parser_classes = [MultiPartParser]
    renderer_classes = [JSONRenderer, BinaryRenderer]

    @extend_schema(operation_id="getFileContent", parameters=[PATH], responses=OpenApiTypes.BINARY)
    def get(self, request: Request, tenant: str, namespace: str):
        handle = service.ns_file_open(namespace, request.query_params.get("path"))
        return FileResponse(handle, content_type="application/octet-stream")

    @extend_schema(operation_id="createNamespaceFile", parameters=[PATH], responses={200: None})
    def post(self, request: Request, tenant: str, namespace: str) -> Response:
        upload = request.FILES.get("fileContent")
        content = upload.read() if upload is not None else b""
        service.ns_file_write(namespace, request.query_params.get("path"), content)
        return Response(status=200)

    @extend_schema(
        operation_id="moveFileDirectory",
        parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)],
        responses={200: None},
    )
    def put(self, request: Request, tenant: str, namespace: str) -> Response:
        params = request.query_params
        service.ns_file_move(namespace, params.get("from"), params.get("to"))
        return Response(status=200)

    @extend_schema(operation_id="deleteFileDirectory", parameters=[PATH], responses={200: None})
    def delete(self, request: Request, tenant: str, namespace: str) -> Response:
        service.ns_file_delete(namespace, request.query_params.get("path"))
        return Response(status=200)


class DirectoryView(APIView):
    @extend_schema(operation_id="listNamespaceDirectoryFiles", parameters=[PATH])
    def get(self, request: Request, tenant: str, namespace: str) -> Response:
        return Response(service.ns_directory_list(namespace, request.query_params.get("path")))

    @extend_schema(operation_id="createNamespaceDirectory", parameters=[PATH], request=None)
    def post(self, request: Request, tenant: str, namespace: str) -> Response:
        if not request.query_params.get("path"):
            raise InvalidInput("a directory path is required", path="path")
        service.ns_directory_create(namespace, request.query_params.get("path"))
        return Response(status=200)


class StatsView(APIView):
    @extend_schema(operation_id="getFileMetadatas", parameters=[PATH])
    def get(self, request: Request, tenant: str, namespace: str) -> Response:
        return Response(service.ns_file_stats(namespace, request.query_params.get("path")))


class SearchView(APIView):
    @extend_schema(operation_id="searchNamespaceFiles", parameters=[OpenApiParameter("q", str)])
    def get(self, request: Request, tenant: str, namespace: str) -> Response:
        return Response(service.ns_file_search(namespace, request.query_params.get("q")))


class ExportView(APIView):
    renderer_classes = [JSONRenderer, BinaryRenderer]

    @extend_schema(operation_id="exportNamespaceFiles", responses=OpenApiTypes.BINARY)
    def get(self, request: Request, tenant: str, namespace: str) -> HttpResponse:
        response = HttpResponse(service.ns_files_export(namespace), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{namespace}_files.zip"'
        return response


urlpatterns = [
    path("namespaces/<str:namespace>/files", FilesView.as_view(), name="ns-files"),
    path(
        "namespaces/<str:namespace>/files/directory",
        DirectoryView.as_view(),
        name="ns-files-directory",
    ),
    path("namespaces/<str:namespace>/files/stats", StatsView.as_view(), name="ns-files-stats"),
    path("namespaces/<str:namespace>/files/search", SearchView.as_view(), name="ns-files-search"),
    path("namespaces/<str:namespace>/files/export", ExportView.as_view(), name="ns-files-export"),
]
