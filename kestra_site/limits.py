"""Request body caps, enforced from Content-Length before any view or parser reads the body."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse


def body_limit(content_type: str) -> tuple[int, str]:
    """The cap for a body of this type, and the setting that sets it."""
    if content_type.lower().startswith("multipart/"):
        return int(settings.KESTRA_MAX_UPLOAD_BYTES), "KESTRA_MAX_UPLOAD_BYTES"
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE), "KESTRA_MAX_BODY_BYTES"


class BodySizeLimitMiddleware:
    """413 for a declared body over the cap: file uploads (multipart) get KESTRA_MAX_UPLOAD_BYTES,
    every other body KESTRA_MAX_BODY_BYTES. DRF's JSON and multipart parsers would otherwise
    read (or spool to disk) whatever arrives."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"message": "Content-Length is not a number"}, status=400)
        limit, setting = body_limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            return JsonResponse(
                {
                    "message": f"Request body is {length} bytes; at most {limit} bytes are "
                    f"accepted ({setting})"
                },
                status=413,
            )
        return self.get_response(request)
