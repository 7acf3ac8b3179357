"""Creating executions: typed inputs, labels, the CREATED row, a tick after commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from executions import dispatch, engine
from executions.inputs import InputError, read_inputs
from executions.models import Execution
from flows import selectors as flow_selectors
from kestra_site import encryption, storage
from kestra_site.errors import InvalidInput

SYSTEM_PREFIX = "system."
CORRELATION_ID = "system.correlationId"


def now() -> datetime:
    return datetime.now(UTC)


def _labels(flow_labels: list[dict], extra: list[dict] | None, correlation_id: str) -> list[dict]:
    """Flow labels (minus system ones), then the execution's, then the correlation id."""
    merged: dict[str, str] = {}
    for label in flow_labels or []:
        if not str(label["key"]).startswith(SYSTEM_PREFIX):
            merged[str(label["key"])] = str(label["value"])
    for label in extra or []:
        merged[str(label["key"])] = str(label["value"])
    merged.setdefault(CORRELATION_ID, correlation_id)
    return [{"key": k, "value": v} for k, v in merged.items()]


def parse_labels(raw: list[str]) -> list[dict]:
    """`key:value` strings (Kestra's `labels` query parameter) to label dicts."""
    labels = []
    for item in raw:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise InvalidInput(f"labels must be written key:value, got {item!r}", path="labels")
        if key.startswith(SYSTEM_PREFIX) and key != CORRELATION_ID:
            raise InvalidInput(
                f"System labels can only be set by Kestra itself: {key}", path="labels"
            )
        labels.append({"key": key, "value": value})
    return labels


def read_flow_inputs(
    definition: dict, raw: dict[str, Any], namespace: str, flow_id: str, execution_id: str
) -> dict[str, Any]:
    prefix = storage.execution_prefix(namespace, flow_id, execution_id)

    def store_file(input_id: str, content: Any) -> str:
        name = getattr(content, "name", None) or input_id
        filename = str(name).replace("\\", "/").rsplit("/", 1)[-1] or input_id
        return storage.put(f"{prefix}/inputs/{input_id}/{filename}", content)

    try:
        return read_inputs(
            definition.get("inputs") or [],
            raw,
            store_file=store_file,
            encrypt=encryption.encrypt if encryption.configured() else None,
        )
    except InputError as error:
        message = "\n".join(str(v) for v in error.violations)
        raise InvalidInput(message, violations=error.violations) from error


def insert_execution(
    snapshot: engine.Execution,
    *,
    tenant: str = "main",
    parent_task_run: str | None = None,
    trigger: dict | None = None,
) -> Execution:
    row = Execution(
        id=snapshot.id,
        tenant=tenant,
        namespace=snapshot.namespace,
        flow_id=snapshot.flow_id,
        flow_revision=snapshot.flow_revision,
        state=snapshot.state.current.value,
        state_histories=snapshot.state.to_dict()["histories"],
        start_date=snapshot.state.start_date,
        inputs=snapshot.inputs,
        labels=snapshot.labels,
        parent_id=snapshot.parent_id,
        original_id=snapshot.original_id,
        trigger=trigger or snapshot.trigger,
        attempt_number=snapshot.attempt_number,
        original_created_date=snapshot.original_created_date,
        schedule_date=snapshot.schedule_date,
    )
    row.save(force_insert=True)
    return row


def execution_create(
    *,
    namespace: str,
    flow_id: str,
    inputs: dict[str, Any] | None = None,
    labels: list[dict] | None = None,
    revision: int | None = None,
    trigger: dict | None = None,
    schedule_date: datetime | None = None,
    typed_inputs: bool = True,
) -> Execution:
    """Start a flow: typed, validated inputs (422 naming the input), a CREATED execution, and a
    tick for the executor once committed. Nothing is written when an input is refused."""
    flow = flow_selectors.flow_get(namespace, flow_id)
    if flow.disabled:
        raise InvalidInput(f"Cannot execute disabled flow {namespace}.{flow_id}", path="flow")
    revision = revision or flow.revision
    definition = flow_selectors.flow_revision_definition(namespace, flow_id, revision)
    execution_id = engine.new_id()
    at = now()
    values = (
        read_flow_inputs(definition, inputs or {}, namespace, flow_id, execution_id)
        if typed_inputs
        else inputs
    )
    snapshot = engine.Execution.new(
        flow_id,
        namespace,
        at,
        id=execution_id,
        revision=revision,
        inputs=values,
        labels=_labels(definition.get("labels") or [], labels, execution_id),
        trigger=trigger,
        schedule_date=schedule_date,
    )
    with transaction.atomic():
        row = insert_execution(snapshot, trigger=trigger)
        transaction.on_commit(lambda: dispatch.kick(row.id))
    return row


def execution_create_child(
    *, parent: Execution, request: engine.SubflowRequest, trigger: dict, at: datetime
) -> Execution:
    """A Subflow's child execution, inside the parent's executor transaction."""
    flow = flow_selectors.flow_get(request.namespace, request.flow_id)
    revision = request.revision or flow.revision
    definition = flow_selectors.flow_revision_definition(
        request.namespace, request.flow_id, revision
    )
    values = read_flow_inputs(
        definition, request.inputs or {}, request.namespace, request.flow_id, request.execution_id
    )
    correlation = next(
        (label["value"] for label in parent.labels or [] if label["key"] == CORRELATION_ID),
        parent.id,
    )
    snapshot = engine.Execution.new(
        request.flow_id,
        request.namespace,
        at,
        id=request.execution_id,
        revision=revision,
        inputs=values,
        labels=_labels(definition.get("labels") or [], request.labels, correlation),
        parent_id=parent.id,
        schedule_date=request.schedule_date,
    )
    return insert_execution(snapshot, trigger=trigger)


def execution_create_retry(
    *, original: Execution, request: engine.NewExecutionRequest
) -> Execution:
    """A flow retry with CREATE_NEW_EXECUTION: the same inputs and labels, the next attempt."""
    snapshot = engine.Execution.new(
        request.flow_id,
        request.namespace,
        now(),
        revision=request.revision,
        inputs=request.inputs,
        labels=request.labels,
        original_id=original.original_id,
        attempt_number=request.attempt_number,
        schedule_date=request.date,
    )
    snapshot.original_created_date = original.original_created_date
    return insert_execution(snapshot, trigger=original.trigger)
