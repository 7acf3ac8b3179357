"""Webhook triggers (`io.kestra.plugin.core.trigger.Webhook`): an HTTP call starts a flow.

`/api/v1/<tenant>/executions/webhook/{namespace}/{flowId}/{key}` takes GET, POST and PUT
without a login: the key is the secret (compared in constant time). The execution gets
`trigger.body` (parsed when JSON), `trigger.headers` and `trigger.parameters` (lists of values,
as Kestra); conditions that do not hold answer 204 and create nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from executions import flow_triggers, services
from executions.api.executions import execution_body
from flows import selectors as flow_selectors
from kestra_site.errors import InvalidInput, NotFound

logger = logging.getLogger(__name__)

WEBHOOK = "io.kestra.plugin.core.trigger.Webhook"
_TYPES = (WEBHOOK, "io.kestra.core.models.triggers.types.Webhook")
MAX_BODY_BYTES = 10 * 1024 * 1024


def _renderer() -> Any:
    from executions.engine.core import default_renderer

    return default_renderer()


def find_webhook(definition: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The enabled Webhook trigger whose (rendered) key is `key`, compared in constant time."""
    flow_vars = {"flow": {"id": definition.get("id"), "namespace": definition.get("namespace")}}
    found = None
    for trigger in definition.get("triggers") or []:
        if str(trigger.get("type")) not in _TYPES or trigger.get("disabled"):
            continue
        expected = str(trigger.get("key") or "")
        if "{{" in expected:
            try:
                expected = str(_renderer().render(expected, flow_vars))
            except Exception:  # a key that cannot render matches nothing
                logger.warning("webhook key of %s cannot render: ignored", trigger.get("id"))
                continue
        if hmac.compare_digest(expected.strip().encode(), key.encode()) and found is None:
            found = trigger
    return found


def parse_body(raw: bytes) -> Any:
    """A JSON object or array parsed; anything else as text (None when empty)."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, dict | list) else text


class WebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request, tenant: str, namespace: str, flow_id: str, key: str):
        return self._trigger(request, tenant, namespace, flow_id, key)

    def post(self, request: Request, tenant: str, namespace: str, flow_id: str, key: str):
        return self._trigger(request, tenant, namespace, flow_id, key)

    def put(self, request: Request, tenant: str, namespace: str, flow_id: str, key: str):
        return self._trigger(request, tenant, namespace, flow_id, key)

    def _trigger(self, request: Request, tenant: str, namespace: str, flow_id: str, key: str):
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY_BYTES:
            return Response({"message": "Webhook body too large"}, status=413)
        flow = flow_selectors.flow_get(namespace, flow_id)
        if flow.disabled:
            raise InvalidInput(f"Cannot execute a disabled flow {namespace}.{flow_id}", path="flow")
        webhook = find_webhook(flow.definition or {}, key)
        if webhook is None:
            raise NotFound("Webhook not found")
        raw = request._request.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            return Response({"message": "Webhook body too large"}, status=413)
        variables = {
            "body": parse_body(raw),
            "headers": _multi(request.headers.items()),
            "parameters": {k: request.query_params.getlist(k) for k in request.query_params},
        }
        context = {
            "flow": {"id": flow_id, "namespace": namespace, "revision": flow.revision},
            "trigger": variables,
        }
        source = flow_triggers.Source(
            id="", namespace=namespace, flow_id=flow_id, state="CREATED", variables=context
        )
        renderer = _renderer()
        try:
            holds = all(
                flow_triggers.condition_holds(c, source, renderer)
                for c in webhook.get("conditions") or []
            )
        except Exception:  # a condition that cannot render does not hold
            holds = False
        if not holds:
            return HttpResponse(status=204)
        inputs = webhook.get("inputs")
        row = services.execution_create(
            namespace=namespace,
            flow_id=flow_id,
            inputs=renderer.render_value(inputs, context) if inputs else None,
            trigger={"id": webhook["id"], "type": WEBHOOK, "variables": variables},
            typed_inputs=False,
        )
        if webhook.get("wait"):
            row = services.execution_wait(row.id)
            if webhook.get("returnOutputs"):
                return Response(row.outputs or {})
        return Response(execution_body(row))


def _multi(items) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in items:
        found.setdefault(name, []).append(value)
    return found
