"""Polling triggers (http.Trigger, kv.Trigger): beat decides when, a worker evaluates, and the
executor creates the execution once.

- `polling_sync(flow)` runs in the flow write's transaction (flows/services.py): a Trigger row
  and a PeriodicTask (`scheduler.poll` every `interval`) per polling trigger.
- `trigger_poll` (beat's tick, queue `executor`): unless an evaluation is out or the trigger's
  last execution still runs, mark the trigger in flight and send `workers.poll` to the trigger's
  worker group after commit.
- `trigger_polled` (the worker's answer, queue `executor`): only the answer of the evaluation
  in flight counts; it claims a ScheduledRun for the evaluation's date, then creates the
  execution. A redelivered or late answer creates nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone as dj_timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from executions import dispatch
from executions.engine.groups import namespace_group
from executions.engine.plan import _apply_defaults, _defaults_for, canonical_type
from flows.spec.core.http import HttpTrigger
from flows.spec.core.kv_trigger import KVTrigger
from flows.spec.durations import parse_duration
from scheduler import conditions
from scheduler.models import ScheduledRun, Trigger
from scheduler.services import claim_and_create

logger = logging.getLogger(__name__)

POLLING_TYPES = frozenset((*HttpTrigger.type_names, *KVTrigger.type_names))
DEFAULT_INTERVAL = "PT60S"
# An evaluation unanswered this long is taken as lost (its worker died, or no worker serves
# the group): the next tick sends another, and the job message itself expires then.
MIN_EVALUATION_TIMEOUT = timedelta(seconds=60)


def task_name(namespace: str, flow_id: str, trigger_id: str) -> str:
    return f"kestra: {namespace}.{flow_id}.{trigger_id}"


def polling_triggers(definition: dict) -> dict[str, dict]:
    """The polling triggers of a flow definition (Kestra JSON, plugin defaults applied), by id."""
    defaults = _defaults_for(definition)
    found = {}
    for raw in definition.get("triggers") or []:
        if not isinstance(raw, dict) or not raw.get("id"):
            continue
        if raw.get("type") not in POLLING_TYPES:
            continue
        type_name = canonical_type(str(raw["type"]))
        found[str(raw["id"])] = _apply_defaults(dict(raw), type_name, defaults)
    return found


def interval_of(spec: dict) -> timedelta:
    """The trigger's `interval` (PT60S by default), at least one second."""
    return max(parse_duration(str(spec.get("interval") or DEFAULT_INTERVAL)), timedelta(seconds=1))


def evaluation_timeout(spec: dict) -> timedelta:
    return max(MIN_EVALUATION_TIMEOUT, 2 * interval_of(spec))


def worker_group(definition: dict, spec: dict) -> str:
    """The trigger's `workerGroup.key`, else the flow's, else the namespace default, else ''
    (the default group), as for tasks (executions/engine/groups.py)."""
    for declared in (spec.get("workerGroup"), definition.get("workerGroup")):
        if isinstance(declared, dict) and declared.get("key"):
            return str(declared["key"])
    namespace = str(definition.get("namespace", ""))
    return namespace_group(settings.KESTRA["NAMESPACE_WORKER_GROUPS"], namespace) or ""


def _interval_schedule(spec: dict) -> IntervalSchedule:
    seconds = int(interval_of(spec).total_seconds())
    schedule, _ = IntervalSchedule.objects.get_or_create(
        every=seconds, period=IntervalSchedule.SECONDS
    )
    return schedule


def polling_sync(flow) -> None:
    """Bring the polling Trigger and PeriodicTask rows of a flow in step with its revision."""
    definition = flow.definition or {}
    specs = {} if flow.deleted else polling_triggers(definition)
    scope = {"tenant": flow.tenant, "namespace": flow.namespace, "flow_id": flow.flow_id}
    stale = (
        Trigger.objects.filter(**scope, type__in=POLLING_TYPES)
        .exclude(trigger_id__in=list(specs))
        .select_for_update()
    )
    for row in stale:
        PeriodicTask.objects.filter(
            name=task_name(flow.namespace, flow.flow_id, row.trigger_id)
        ).delete()
        row.delete()
    for trigger_id, spec in specs.items():
        row = Trigger.objects.select_for_update().filter(**scope, trigger_id=trigger_id).first()
        if row is None:
            row = Trigger(**scope, trigger_id=trigger_id)
        if row.type and row.type != spec["type"]:
            row.context = {}  # another kind of trigger under the same id: its state is moot
        row.type = spec["type"]
        row.worker_group = worker_group(definition, spec)
        row.flow_revision = flow.revision
        # The source's `disabled` (flow or trigger); `disabled` itself (API, Toggle, stopAfter)
        # is the trigger context's and outlives flow saves, as for schedules.
        row.source_disabled = bool(flow.disabled or spec.get("disabled"))
        row.save()
        PeriodicTask.objects.update_or_create(
            name=task_name(flow.namespace, flow.flow_id, trigger_id),
            defaults={
                "task": dispatch.POLL_TASK,
                "kwargs": json.dumps(
                    {"namespace": flow.namespace, "flow_id": flow.flow_id, "trigger_id": trigger_id}
                ),
                "queue": dispatch.EXECUTOR_QUEUE,
                "enabled": not row.effectively_disabled,
                "description": f"System task: polling trigger {spec['type']} of a flow.",
                "interval": _interval_schedule(spec),
                "crontab": None,
            },
        )


# --- poll: send an evaluation to a worker ----------------------------------------------------


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _running(execution_id: str) -> bool:
    from executions.models import Execution
    from executions.states import State

    if not execution_id:
        return False
    state = Execution.objects.filter(id=execution_id).values_list("state", flat=True).first()
    return state is not None and not State(state).is_terminal


def _live_spec(row: Trigger):
    """(flow, trigger spec) when the flow is live and enabled and the trigger still there."""
    from flows.models import Flow

    flow = Flow.objects.filter(
        tenant=row.tenant, namespace=row.namespace, flow_id=row.flow_id, deleted=False
    ).first()
    if flow is None or flow.disabled:
        return None, None
    spec = polling_triggers(flow.definition or {}).get(row.trigger_id)
    if spec is None or spec.get("disabled"):
        return flow, None
    return flow, spec


def _variables(flow) -> dict[str, Any]:
    from executions.executor import run_envs

    return {
        "envs": run_envs(),
        "globals": settings.KESTRA["GLOBALS"],
        "flow": {
            "id": flow.flow_id,
            "namespace": flow.namespace,
            "revision": flow.revision,
            "tenantId": flow.tenant,
        },
        **({"vars": flow.definition["variables"]} if flow.definition.get("variables") else {}),
    }


def _send(job: dict, queue: str, expires: float) -> None:
    dispatch.celery().send_task(
        dispatch.POLL_EVALUATE_TASK,
        args=[job],
        queue=queue,
        task_id=f"poll:{job['namespace']}.{job['flow_id']}.{job['trigger_id']}:{job['date']}",
        expires=expires,
    )


def trigger_poll(
    *, namespace: str, flow_id: str, trigger_id: str, now: datetime | None = None
) -> dict | None:
    """One beat tick of a polling trigger: the job sent to a worker, or None when nothing is
    sent (disabled, an evaluation already out, its last execution still running, conditions)."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        row = (
            Trigger.objects.select_for_update()
            .filter(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
            .first()
        )
        if row is None or row.effectively_disabled or row.type not in POLLING_TYPES:
            return None
        flow, spec = _live_spec(row)
        if spec is None:
            return None
        timeout = evaluation_timeout(spec)
        if row.evaluating_since is not None and now - row.evaluating_since < timeout:
            return None  # one evaluation at a time
        if _running(row.execution_id):
            return None  # as Kestra: no evaluation while the trigger's execution runs
        if not conditions.all_hold(spec.get("conditions"), now):
            row.last_date, row.next_date = now, now + interval_of(spec)
            row.save(update_fields=["last_date", "next_date", "updated"])
            return None
        if row.evaluating_since is not None:
            logger.warning("Polling trigger %s: evaluation lost, sending another", row)
        date = _iso(now)
        row.evaluating_since = now
        row.context = {**(row.context or {}), "evaluation": date}
        row.save(update_fields=["evaluating_since", "context", "updated"])
        job = {
            "tenant": row.tenant,
            "namespace": namespace,
            "flow_id": flow_id,
            "trigger_id": trigger_id,
            "date": date,
            "trigger": spec,
            "variables": _variables(flow),
            "state": (row.context or {}).get("state"),
        }
        queue = dispatch.worker_queue(row.worker_group or None)
        expires = timeout.total_seconds()
        transaction.on_commit(lambda: _send(job, queue, expires))
        return job


# --- polled: the worker's answer --------------------------------------------------------------


def _log(row: Trigger, logs: list[dict]) -> None:
    levels = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "WARN": logging.WARNING}
    for line in logs or []:
        level = str(line.get("level", "INFO"))
        logger.log(
            levels.get(level, getattr(logging, level, logging.INFO)),
            "Polling trigger %s: %s",
            row,
            line.get("message"),
        )


def trigger_polled(payload: dict) -> ScheduledRun | None:
    """Apply a worker's evaluation: keep its state and, when it fires, create one execution.

    Only the answer to the evaluation in flight counts (`date` matches): a redelivered answer,
    or one that comes after its evaluation was given up, is dropped.
    """
    date_text = str(payload["date"])
    date = datetime.fromisoformat(date_text.replace("Z", "+00:00"))
    with transaction.atomic():
        row = (
            Trigger.objects.select_for_update()
            .filter(
                tenant=payload.get("tenant", "main"),
                namespace=payload["namespace"],
                flow_id=payload["flow_id"],
                trigger_id=payload["trigger_id"],
            )
            .first()
        )
        if row is None:
            return None
        context = dict(row.context or {})
        if context.get("evaluation") != date_text:
            logger.info("Polling trigger %s: dropped the answer of evaluation %s", row, date_text)
            return None
        _log(row, payload.get("logs") or [])
        context.pop("evaluation")
        context["lastEvaluation"] = date_text
        if payload.get("error"):
            context["lastError"] = payload["error"]
        else:
            context.pop("lastError", None)
            context["state"] = payload.get("state")
        row.context = context
        row.evaluating_since = None
        row.last_date = date
        run = None
        _, spec = _live_spec(row)
        if spec is not None:
            row.next_date = date + interval_of(spec)
            if payload.get("fire") and not row.effectively_disabled:
                run = claim_and_create(row, spec, date, variables=payload.get("variables") or {})
        row.save()
        return run
