"""An execution's files in internal storage: download, metadata and preview (Kestra's paths)."""

from __future__ import annotations

import posixpath

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from executions import files
from executions.api import params
from kestra_site.namespace_files_api import BinaryRenderer

PATH = OpenApiParameter("path", str, description="The internal storage URI (kestra:///...)")


class ExecutionFileView(APIView):
    renderer_classes = [JSONRenderer, BinaryRenderer]

    @extend_schema(
        operation_id="downloadFileFromExecution", parameters=[PATH], responses=OpenApiTypes.BINARY
    )
    def get(self, request: Request, tenant: str, execution_id: str):
        _, path = files.execution_file(execution_id, request.query_params.get("path"))
        return FileResponse(
            files.open_file(path),
            content_type="application/octet-stream",
            as_attachment=True,
            filename=posixpath.basename(path),
        )


class ExecutionFileMetasView(APIView):
    @extend_schema(
        operation_id="getFileMetadatasFromExecution",
        parameters=[PATH],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str, execution_id: str) -> Response:
        _, path = files.execution_file(execution_id, request.query_params.get("path"))
        return Response({"size": files.file_size(path), "name": posixpath.basename(path)})


class ExecutionFilePreviewView(APIView):
    @extend_schema(
        operation_id="previewFileFromExecution",
        parameters=[PATH, OpenApiParameter("maxRows", int), OpenApiParameter("encoding", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, tenant: str, execution_id: str) -> Response:
        _, path = files.execution_file(execution_id, request.query_params.get("path"))
        return Response(
            files.preview(
                path,
                params.integer(request, "maxRows"),
                request.query_params.get("encoding") or None,
            )
        )
