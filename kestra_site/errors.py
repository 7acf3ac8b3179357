"""Domain errors as values, and the one place that maps them (and DRF's) to HTTP responses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from flows.spec.errors import FlowSpecError, Violation


class DomainError(Exception):
    """Base of the errors services raise; `status_code` says how HTTP shows it."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def violations(self) -> list[Violation]:
        return [Violation(self.path, self.message)]


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT


class InvalidInput(DomainError):
    """Bad input that names its field: answered with 422, nothing written."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, message: str, *, path: str = "", violations: list[Violation] | None = None):
        super().__init__(message, path=path)
        self._violations = violations

    def violations(self) -> list[Violation]:
        return self._violations if self._violations is not None else super().violations()

    @classmethod
    def from_spec(cls, error: FlowSpecError, prefix: str = "") -> InvalidInput:
        violations = [
            Violation(
                f"{prefix}{v.path}" if prefix and v.path else v.path or prefix.rstrip("."),
                v.message,
                v.line,
            )
            for v in error.violations
        ]
        message = "\n".join(str(v) for v in violations)
        return cls(message, violations=violations)


def error_body(message: str, violations: list[Violation]) -> dict:
    """Kestra's error shape (`message` + `_embedded.errors`), plus each violation's line."""
    return {
        "message": f"Invalid entity: {message}" if violations else message,
        "_embedded": {
            "errors": [{"message": str(v), "path": v.path, "line": v.line} for v in violations]
        },
    }


def _flatten_drf_detail(detail, path: str = "") -> list[Violation]:
    if isinstance(detail, dict):
        out: list[Violation] = []
        for key, value in detail.items():
            key_path = (
                path
                if key in ("non_field_errors", "detail")
                else (f"{path}.{key}" if path else str(key))
            )
            out.extend(_flatten_drf_detail(value, key_path))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            out.extend(_flatten_drf_detail(value, f"{path}[{index}]" if nested else path))
        return out
    return [Violation(path, str(detail))]


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: domain errors and validation errors become Kestra-shaped bodies."""
    if isinstance(exc, FlowSpecError):
        exc = InvalidInput.from_spec(exc)
    if isinstance(exc, DomainError):
        violations = exc.violations()
        body = error_body(exc.message, violations if isinstance(exc, InvalidInput) else [])
        return Response(body, status=exc.status_code)
    if isinstance(exc, drf_exceptions.ValidationError):
        violations = _flatten_drf_detail(exc.detail)
        message = "\n".join(str(v) for v in violations)
        return Response(
            error_body(message, violations), status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    if isinstance(exc, Http404 | PermissionDenied):
        return drf_exception_handler(exc, context)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response
