"""Polling triggers as a worker evaluates them: http.Trigger and kv.Trigger.

An evaluation gets the trigger's Kestra JSON in `ctx.task` (not rendered), the flow's variables,
and the state its previous evaluation left (`state`); it answers whether to start an execution,
the `trigger.*` variables of that execution, and the state to keep for the next evaluation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from executions.templating.errors import TemplateError
from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, level_filter
from workers.plugins.http import HTTP, LEGACY, _request
from workers.plugins.kvstore import KVError, KVStore

KV_TRIGGER = "io.kestra.plugin.core.kv.Trigger"
DEFAULT_RESPONSE_CONDITION = "{{ response.statusCode < 400 }}"
KV_EVENTS = ("CREATE", "UPDATE", "CREATE_OR_UPDATE")


@dataclass
class Evaluation:
    """What one evaluation found: `fire` with the execution's trigger `variables`, or nothing;
    `state` is kept for the next evaluation; `error` says why the evaluation failed."""

    fire: bool
    variables: dict[str, Any] | None = None
    state: Any = None
    error: str | None = None


Evaluator = Callable[[RunContext, Any], Evaluation]
_EVALUATORS: dict[str, Evaluator] = {}


def polling_trigger(*type_names: str) -> Callable[[Evaluator], Evaluator]:
    """Register an evaluator under Kestra type names."""

    def decorate(evaluator: Evaluator) -> Evaluator:
        for name in type_names:
            _EVALUATORS[name] = evaluator
        return evaluator

    return decorate


def polling_types() -> list[str]:
    return sorted(_EVALUATORS)


def evaluate(ctx: RunContext, state: Any = None) -> Evaluation:
    """Evaluate the trigger in `ctx.task`; never raises: a failure is an Evaluation with an
    error (logged at ERROR) that starts nothing and keeps the previous state."""
    ctx = dataclasses.replace(ctx, log=level_filter(ctx.log, ctx.task.get("logLevel")))
    type_name = str(ctx.task.get("type"))
    evaluator = _EVALUATORS.get(type_name)
    try:
        if evaluator is None:
            raise TaskFailure(f"No polling trigger implementation for type `{type_name}`")
        return evaluator(ctx, state)
    except (TaskFailure, TemplateError) as error:
        message = str(error)
    except Exception as error:  # a plugin bug fails this evaluation, never the worker
        message = f"{type(error).__name__}: {error}"
    ctx.log("ERROR", message)
    return Evaluation(False, state=state, error=message)


# --- http.Trigger ----------------------------------------------------------------------------


@polling_trigger(HTTP + "Trigger", LEGACY + "Trigger")
def http_trigger(ctx: RunContext, state: Any) -> Evaluation:
    """Call `uri` (any status code is a response) and render `responseCondition` with
    `response.statusCode`, `response.body` and `response.headers`; when it holds, the execution
    gets the request's outputs as `trigger.uri`, `trigger.code`, `trigger.headers`,
    `trigger.body`."""
    task = {**ctx.task, "allowFailed": True}  # the condition judges the status code
    response, outputs = _request(dataclasses.replace(ctx, task=task), stream=False)
    body = response.text
    if ctx.property("encryptBody", False) is True:
        ctx.log("WARN", "`encryptBody` is not supported: the body is kept in clear")
    outputs["body"] = body
    variables = {
        **ctx.variables,
        "response": {"statusCode": outputs["code"], "body": body, "headers": outputs["headers"]},
    }
    condition = ctx.property("responseCondition", DEFAULT_RESPONSE_CONDITION)
    if not ctx.renderer.is_true(condition, variables):
        ctx.log("DEBUG", f"Response condition is false for status code {outputs['code']}")
        return Evaluation(False, state=state)
    return Evaluation(True, variables=outputs, state=state)


# --- kv.Trigger ------------------------------------------------------------------------------


def _fingerprint(kind: str, value: Any) -> str:
    text = json.dumps([kind, value], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@polling_trigger(KV_TRIGGER)
def kv_trigger(ctx: RunContext, state: Any) -> Evaluation:
    """Read `key` in the namespace's KV store and compare it with what the last evaluation saw:
    a key that appears is a CREATE, a changed value an UPDATE; `on` says which start a flow.
    The execution gets `trigger.namespace`, `trigger.key`, `trigger.value`, `trigger.event`."""
    namespace = ctx.render_string(ctx.property("namespace", "{{ flow.namespace }}"))
    key = ctx.render_string(ctx.task.get("key"))
    if not namespace:
        raise TaskFailure("Missing property `namespace`")
    if not key:
        raise TaskFailure("Missing property `key`")
    on = str(ctx.property("on", "CREATE_OR_UPDATE"))
    if on not in KV_EVENTS:
        raise TaskFailure(f"Invalid `on` '{on}': one of {', '.join(KV_EVENTS)}")
    try:
        found = KVStore(files.storage(ctx), namespace).get(key)
    except KVError as error:
        raise TaskFailure(f"Invalid property `key`: {error}") from None
    seen = state.get("fingerprint") if isinstance(state, dict) else None
    if found is None:
        return Evaluation(False, state={"fingerprint": None})
    fingerprint = _fingerprint(*found)
    if fingerprint == seen:
        return Evaluation(False, state=state)
    event = "UPDATE" if seen else "CREATE"
    now = {"fingerprint": fingerprint}
    if on not in (event, "CREATE_OR_UPDATE"):
        ctx.log("DEBUG", f"Key '{key}': {event} ignored (on: {on})")
        return Evaluation(False, state=now)
    variables = {"namespace": namespace, "key": key, "value": found[1], "event": event}
    return Evaluation(True, variables=variables, state=now)
