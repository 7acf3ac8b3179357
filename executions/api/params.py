"""Reading query parameters and request bodies, and the renderers for text and event streams."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from executions.selectors import parse_date
from kestra_site.errors import InvalidInput


def boolean(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise InvalidInput(f"must be true or false, got {raw!r}", path=name)


def integer(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError as error:
        raise InvalidInput(f"must be an integer, got {raw!r}", path=name) from error


def date(request: Request, name: str):
    raw = request.query_params.get(name)
    return None if raw in (None, "") else parse_date(raw, name)


def inputs(request: Request) -> dict[str, Any]:
    """Flow inputs from a multipart form (fields and file parts) or a JSON object body."""
    data = request.data
    if not data:
        return {}
    if hasattr(data, "lists"):
        return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
    if isinstance(data, dict):
        return dict(data)
    raise InvalidInput("inputs must be a multipart form or a JSON object", path="inputs")


def json_list(request: Request, path: str) -> list:
    data = request.data
    if isinstance(data, str):
        try:
            data = json.loads(data or "[]")
        except ValueError as error:
            raise InvalidInput(f"invalid JSON: {error}", path=path) from error
    if not isinstance(data, list):
        raise InvalidInput("must be a JSON list", path=path)
    return data


class PlainTextRenderer(BaseRenderer):
    """text/plain answers (log downloads); error bodies stay JSON."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str | bytes):
            return data
        return json.dumps(data)


class EventStreamRenderer(PlainTextRenderer):
    """Lets `Accept: text/event-stream` through content negotiation (the body streams)."""

    media_type = "text/event-stream"
    format = "sse"
