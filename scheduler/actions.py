"""Operator verbs on trigger state (API, admin, trigger.Toggle) and the executor's hook when a
triggered execution ends. They act on every Trigger row, schedule and polling alike."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone as dj_timezone

from kestra_site.errors import Conflict, InvalidInput, NotFound
from scheduler import backfills, services
from scheduler.models import Trigger

# Executions from these triggers have no Trigger row: the end-of-execution hook skips them.
_ROWLESS = frozenset(
    f"{prefix}{name}"
    for prefix in ("io.kestra.plugin.core.trigger.", "io.kestra.core.models.triggers.types.")
    for name in ("Flow", "Webhook")
)


def _missing(namespace: str, flow_id: str, trigger_id: str) -> NotFound:
    return NotFound(f"Unable to find trigger {trigger_id} for the flow {namespace}.{flow_id}")


def _locked(namespace: str, flow_id: str, trigger_id: str) -> Trigger:
    row = (
        Trigger.objects.select_for_update()
        .filter(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
        .first()
    )
    if row is None:
        raise _missing(namespace, flow_id, trigger_id)
    return row


def trigger_get(namespace: str, flow_id: str, trigger_id: str) -> Trigger:
    row = Trigger.objects.filter(
        namespace=namespace, flow_id=flow_id, trigger_id=trigger_id
    ).first()
    if row is None:
        raise _missing(namespace, flow_id, trigger_id)
    return row


def trigger_set_disabled(
    namespace: str, flow_id: str, trigger_id: str, *, disabled: bool, reason: str = ""
) -> Trigger:
    """Kestra's trigger-context `disabled` (API, Toggle, stopAfter): no new flow revision, and
    a later flow save keeps it. Re-enabled, a Schedule recovers the dates missed meanwhile per
    its `recoverMissedSchedules`."""
    with transaction.atomic():
        row = _locked(namespace, flow_id, trigger_id)
        row.disabled = disabled
        row.disabled_reason = reason[:300] if disabled else ""
        row.save(update_fields=["disabled", "disabled_reason", "updated"])
        services.periodic_tasks_follow(row)
        return row


def trigger_unlock(namespace: str, flow_id: str, trigger_id: str) -> Trigger:
    """Forget the execution (or the evaluation) the trigger waits for; 409 if it waits for none."""
    with transaction.atomic():
        row = _locked(namespace, flow_id, trigger_id)
        if not row.locked:
            raise Conflict("Trigger is not locked", path="triggerId")
        row.execution_id = ""
        row.evaluating_since = None
        row.locked_since = None
        row.save(update_fields=["execution_id", "evaluating_since", "locked_since", "updated"])
        return row


def trigger_restart(namespace: str, flow_id: str, trigger_id: str) -> Trigger:
    """Kestra's restart: drop the evaluation in flight, so the next tick evaluates afresh."""
    with transaction.atomic():
        row = _locked(namespace, flow_id, trigger_id)
        row.evaluating_since = None
        row.locked_since = None
        row.save(update_fields=["evaluating_since", "locked_since", "updated"])
        return row


def trigger_update(body: dict) -> Trigger:
    """Kestra's `PUT /triggers`: the body's `disabled` (false when absent, as in Kestra) and,
    when given, a `backfill` to start."""
    from flows.models import Flow

    if not isinstance(body, dict):
        raise InvalidInput("must be a trigger object", path="body")
    for name in ("namespace", "flowId", "triggerId"):
        if not isinstance(body.get(name), str) or not body.get(name):
            raise InvalidInput("is required", path=name)
    disabled = body.get("disabled", False)
    if not isinstance(disabled, bool):
        raise InvalidInput("must be true or false", path="disabled")
    namespace, flow_id, trigger_id = body["namespace"], body["flowId"], body["triggerId"]
    flow = Flow.objects.filter(namespace=namespace, flow_id=flow_id, deleted=False).first()
    if flow is None:
        raise NotFound(f"Flow of trigger {trigger_id} not found")
    ids = {t.get("id") for t in (flow.definition or {}).get("triggers") or []}
    if trigger_id not in ids:
        raise NotFound(f"Flow {flow_id} has no trigger {trigger_id}")
    with transaction.atomic():
        row = _locked(namespace, flow_id, trigger_id)
        if body.get("backfill") is not None:
            backfills.backfill_set(row, body["backfill"])
        if row.disabled != disabled:
            row.disabled = disabled
            row.disabled_reason = "disabled through the API" if disabled else ""
            row.save(update_fields=["disabled", "disabled_reason", "updated"])
        services.periodic_tasks_follow(row)
        return row


def trigger_execution_ended(execution, definition: dict) -> None:
    """The executor's hook when an execution reaches a terminal state (same transaction).

    Only executions created by a trigger with a Trigger row (schedule, polling) cost a query:
    the trigger is unlocked (its last execution ended), and if the end state is one of the
    trigger's `stopAfter` states the trigger is disabled, as Kestra's resetExecution does."""
    trigger = execution.trigger
    if not trigger or not trigger.get("id") or trigger.get("type") in _ROWLESS:
        return
    trigger_id = trigger["id"]
    triggers = definition.get("triggers") or []
    spec = next((t for t in triggers if isinstance(t, dict) and t.get("id") == trigger_id), None)
    if spec is None or spec.get("type") in _ROWLESS:
        return  # not one of the flow's own triggers (a Subflow's parent task run, ...)
    key = {
        "tenant": execution.tenant,
        "namespace": execution.namespace,
        "flow_id": execution.flow_id,
        "trigger_id": trigger_id,
    }
    state = str(execution.state)
    if state in (spec.get("stopAfter") or []):
        row = Trigger.objects.select_for_update().filter(**key).first()
        if row is None:
            return
        row.disabled = True
        row.disabled_reason = f"stopAfter: execution {execution.id} ended {state}"
        if row.execution_id == execution.id:
            row.execution_id = ""
        row.save(update_fields=["disabled", "disabled_reason", "execution_id", "updated"])
        services.periodic_tasks_follow(row)
        return
    Trigger.objects.filter(**key, execution_id=execution.id).update(
        execution_id="", updated=dj_timezone.now()
    )


# --- selectors ------------------------------------------------------------------------------

SORTABLE = {
    "namespace": "namespace",
    "flowId": "flow_id",
    "triggerId": "trigger_id",
    "nextExecutionDate": "next_date",
    "date": "last_date",
    "updatedDate": "updated",
}


def trigger_search(
    *, q: str = "", namespace: str = "", flow_id: str = "", sort=()
) -> QuerySet[Trigger]:
    rows = Trigger.objects.all()
    if q:
        rows = rows.filter(
            Q(namespace__icontains=q) | Q(flow_id__icontains=q) | Q(trigger_id__icontains=q)
        )
    if namespace:
        rows = rows.filter(namespace__startswith=namespace)
    if flow_id:
        rows = rows.filter(flow_id=flow_id)
    order = [("-" if desc else "") + SORTABLE[name] for name, desc in sort]
    return rows.order_by(*(order or ["namespace", "flow_id", "trigger_id"]))
