"""Server-sent events by polling the database: the execution on each change, new log lines."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from executions import selectors
from executions.api.params import EventStreamRenderer
from executions.api.serializers import execution_json, log_json
from executions.models import Execution, LogEntry
from executions.states import State

POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 5.0


def _event(name: str, data: dict) -> str:
    return f"id: {name}\nevent: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Poller:
    """One stream: `poll()` returns the chunks to send now, or None once the stream is over."""

    def __init__(self) -> None:
        self.quiet_since = time.monotonic()
        self.done = False

    def changes(self) -> list[str]:
        raise NotImplementedError

    def poll(self) -> list[str] | None:
        if self.done:
            return None
        chunks = self.changes()
        now = time.monotonic()
        if chunks:
            self.quiet_since = now
        elif now - self.quiet_since >= KEEPALIVE_SECONDS:
            self.quiet_since = now
            chunks = [": keepalive\n\n"]
        return chunks

    def __iter__(self) -> Iterator[str]:
        yield ": connected\n\n"
        while (chunks := self.poll()) is not None:
            yield from chunks
            if not self.done:
                time.sleep(POLL_SECONDS)

    def _poll_released(self) -> list[str] | None:
        """poll(), then the database connection goes back to the pool when there is one: a
        stream lasts minutes and must not hold one of the webserver's few connections."""
        from django.db import connection

        try:
            return self.poll()
        finally:
            if connection.settings_dict.get("OPTIONS", {}).get("pool"):
                connection.close()

    async def __aiter__(self) -> AsyncIterator[str]:
        yield ": connected\n\n"
        while (chunks := await sync_to_async(self._poll_released)()) is not None:
            for chunk in chunks:
                yield chunk
            if not self.done:
                await asyncio.sleep(POLL_SECONDS)


class ExecutionPoller(Poller):
    def __init__(self, execution_id: str) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.last = ""

    def changes(self) -> list[str]:
        row = Execution.objects.filter(pk=self.execution_id).first()
        if row is None:
            self.done = True
            return []
        body = execution_json(row, selectors.task_runs_of(row))
        text = json.dumps(body, sort_keys=True)
        if State(row.state).is_terminal:
            self.done = True
            return [_event("end", body)]
        if text == self.last:
            return []
        self.last = text
        return [_event("progress", body)]


class LogPoller(Poller):
    def __init__(self, execution_id: str, min_level: str | None) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.level = selectors.level_q(min_level)
        self.last_id = 0

    def changes(self) -> list[str]:
        state = Execution.objects.filter(pk=self.execution_id).values_list("state", flat=True)
        ended = not state or State(state[0]).is_terminal
        rows = list(
            LogEntry.objects.filter(execution_id=self.execution_id, id__gt=self.last_id)
            .filter(self.level)
            .order_by("id")[:500]
        )
        if rows:
            self.last_id = rows[-1].id
        elif ended:
            self.done = True
        return [_event("progress", log_json(r)) for r in rows]


def stream(request: Request, poller: Poller) -> StreamingHttpResponse:
    """Serve a poller sync (WSGI) or async (ASGI), so neither server buffers the stream."""
    body = poller.__aiter__() if isinstance(request._request, ASGIRequest) else iter(poller)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


class _StreamView(APIView):
    renderer_classes = [EventStreamRenderer, JSONRenderer]


class FollowExecutionView(_StreamView):
    @extend_schema(operation_id="followExecution", responses={200: OpenApiTypes.STR})
    def get(self, request: Request, tenant: str, execution_id: str):
        selectors.execution_get(execution_id)
        return stream(request, ExecutionPoller(execution_id))


class FollowLogsView(_StreamView):
    @extend_schema(operation_id="followLogsFromExecution", responses={200: OpenApiTypes.STR})
    def get(self, request: Request, tenant: str, execution_id: str):
        selectors.execution_get(execution_id)
        return stream(request, LogPoller(execution_id, request.query_params.get("minLevel")))
