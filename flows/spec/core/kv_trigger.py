"""The KV trigger: poll one key of a namespace's KV store and start a flow when it changes."""

from __future__ import annotations

from typing import Any, Literal

from flows.spec.core._common import CORE
from flows.spec.plugins import Trigger
from flows.spec.types import Duration, Text

FLOW_NAMESPACE = "{{ flow.namespace }}"


class KVTrigger(Trigger):
    """Start an execution when a KV key appears (CREATE) or its value changes (UPDATE).

    Not a Kestra core type: it follows the `on` semantics of Kestra's file-system triggers
    (plugin-fs `Trigger`), applied to the KV store the workers share.
    """

    type_names = (CORE + "kv.Trigger",)

    namespace: Text = FLOW_NAMESPACE
    key: Text
    on: Literal["CREATE", "UPDATE", "CREATE_OR_UPDATE"] = "CREATE_OR_UPDATE"
    interval: Duration = "PT60S"
    inputs: dict[str, Any] | None = None


TYPES = (KVTrigger,)
