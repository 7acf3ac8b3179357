"""Schedule and ScheduleOnDates triggers: kept in step with their flows (Trigger and
PeriodicTask rows), and fired by `scheduler.fire` (what a definition says: specs.py; backfills:
backfills.py; operator verbs: actions.py).

`triggers_sync(flow)` runs inside the flow write's transaction (flows/services.py), so a
failing save leaves neither Trigger nor PeriodicTask rows behind.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from scheduler import dates
from scheduler.models import ScheduledRun, Trigger
from scheduler.specs import (  # noqa: F401 (re-exported: callers import them from here)
    CRON_TYPES,
    DATES_TYPES,
    SCHEDULE_TYPES,
    backfill_task_name,
    conditions_hold,
    due_dates,
    is_cron,
    iso,
    next_date,
    schedule_triggers,
    task_name,
    trigger_variables,
)
from scheduler.specs import key as specs_key
from scheduler.specs import labels as spec_labels
from scheduler.specs import latest as specs_latest
from scheduler.specs import on_dates_due as specs_on_dates_due

logger = logging.getLogger(__name__)

FIRE_TASK = "scheduler.fire"
BACKFILL_TASK = "scheduler.backfill"
QUEUE = "executor"
SYSTEM = "System task (kestra, managed by the scheduler: edit the flow, not this row)"
_PLAIN = re.compile(r"^[0-9*/,-]+$")


def crontab_fields(cron: str, with_seconds: bool = False) -> tuple[str, ...] | None:
    """The crontab (minute, hour, day of month, month, day of week) celery-beat can run this cron
    on exactly, or None when it cannot (then a tick checks croniter, see `_clock`)."""
    expression, seconds = dates.normalize(cron, with_seconds)
    fields = expression.split()
    if seconds:
        if len(fields) != 6 or fields[0] != "0":
            return None  # sub-minute: crontab has no seconds
        fields = fields[1:]
    if len(fields) != 5 or not all(_PLAIN.match(f) for f in fields):
        return None  # names, L, W, #, ?: croniter reads them, celery's crontab may not
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        return None  # cron ORs day-of-month and day-of-week; celery's crontab ANDs them
    if "7" in re.split(r"[,/-]", dow):
        return None  # Sunday as 7
    return minute, hour, dom, month, dow


def _clock(spec: dict) -> dict:
    """The PeriodicTask schedule for a trigger.

    - A cron crontab can express (5 fields, `@daily`-style macros, or 6 fields whose seconds
      are `0`) runs on a CrontabSchedule in the trigger's timezone.
    - Any other 6-field (`withSeconds`) cron, and every ScheduleOnDates (its dates have
      seconds), ticks every second (IntervalSchedule); any other 5-field cron ticks every
      minute (a `* * * * *` crontab). Each tick runs `scheduler.fire`, which fires only the
      dates that are due.
    """
    if not is_cron(spec):
        return {"interval": _every_second(), "crontab": None}
    tz = spec.get("timezone") or "UTC"
    fields = crontab_fields(spec["cron"], bool(spec.get("withSeconds")))
    _, seconds = dates.normalize(spec["cron"], bool(spec.get("withSeconds")))
    if fields is None and seconds:
        return {"interval": _every_second(), "crontab": None}
    minute, hour, dom, month, dow = fields or ("*", "*", "*", "*", "*")
    values = {
        "minute": minute,
        "hour": hour,
        "day_of_month": dom,
        "month_of_year": month,
        "day_of_week": dow,
        "timezone": tz,
    }
    crontab = CrontabSchedule.objects.filter(**values).first()
    if crontab is None:
        crontab = CrontabSchedule.objects.create(**values)
    return {"crontab": crontab, "interval": None}


def _every_second() -> IntervalSchedule:
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    return interval


def _kwargs(row: Trigger) -> str:
    return json.dumps(
        {"namespace": row.namespace, "flow_id": row.flow_id, "trigger_id": row.trigger_id}
    )


def _describe(spec: dict) -> str:
    what = f"cron {spec['cron']}" if is_cron(spec) else "a list of dates"
    return f"{SYSTEM}. Ticks the {spec['type'].rsplit('.', 1)[-1]} trigger ({what})."


def periodic_tasks_follow(row: Trigger) -> None:
    """The trigger's PeriodicTask rows enabled as its effective state says (and its backfill's
    only while the backfill runs). Saved one by one, so beat sees the change."""
    enabled = not row.effectively_disabled
    backfill_running = bool(row.backfill) and not row.backfill.get("paused")
    wanted = {
        task_name(row.namespace, row.flow_id, row.trigger_id): enabled,
        backfill_task_name(row.namespace, row.flow_id, row.trigger_id): enabled
        and backfill_running,
    }
    for task in PeriodicTask.objects.filter(name__in=list(wanted)):
        if task.enabled != wanted[task.name]:
            task.enabled = wanted[task.name]
            task.save()


def backfill_task_ensure(row: Trigger) -> None:
    """The per-second PeriodicTask that walks the trigger's backfill (see backfills.py)."""
    PeriodicTask.objects.update_or_create(
        name=backfill_task_name(row.namespace, row.flow_id, row.trigger_id),
        defaults={
            "task": BACKFILL_TASK,
            "kwargs": _kwargs(row),
            "queue": QUEUE,
            "interval": _every_second(),
            "crontab": None,
            "enabled": not row.effectively_disabled and not (row.backfill or {}).get("paused"),
            "description": f"{SYSTEM}. Runs the trigger's backfill; removed when it ends.",
        },
    )


def backfill_task_remove(row: Trigger) -> None:
    PeriodicTask.objects.filter(
        name=backfill_task_name(row.namespace, row.flow_id, row.trigger_id)
    ).delete()


def _iso(at: datetime | None) -> str | None:
    return None if at is None else iso(at, None)


def _flow_info(flow) -> dict:
    return {"id": flow.flow_id, "namespace": flow.namespace, "revision": flow.revision}


def triggers_sync(flow) -> None:
    """Bring the Trigger and PeriodicTask rows of a flow in step with its current revision.

    Only rows of schedule types (Schedule, ScheduleOnDates) are managed here; polling triggers
    keep rows of their own. The source's `disabled` (flow or trigger) goes to
    `source_disabled`; `disabled` (API, trigger.Toggle, stopAfter) is kept, as Kestra keeps
    the trigger context's flag when a flow changes."""
    specs = {} if flow.deleted else schedule_triggers(flow.definition or {})
    scope = {"tenant": flow.tenant, "namespace": flow.namespace, "flow_id": flow.flow_id}
    stale = (
        Trigger.objects.filter(**scope)
        .filter(Q(type__in=SCHEDULE_TYPES) | Q(type=""))
        .exclude(trigger_id__in=list(specs))
    )
    for row in stale:
        PeriodicTask.objects.filter(
            name__in=[
                task_name(flow.namespace, flow.flow_id, row.trigger_id),
                backfill_task_name(flow.namespace, flow.flow_id, row.trigger_id),
            ]
        ).delete()
    stale.delete()
    now = dj_timezone.now()
    for trigger_id, spec in specs.items():
        source_disabled = bool(flow.disabled or spec.get("disabled"))
        row = Trigger.objects.select_for_update().filter(**scope, trigger_id=trigger_id).first()
        if row is None:
            row = Trigger(**scope, trigger_id=trigger_id)
        # A new or changed schedule, or a trigger coming back in the source, starts from now
        # (no catch-up).
        restart = (
            row.next_date is None or row.schedule_key != specs_key(spec) or row.source_disabled
        )
        row.flow_revision = flow.revision
        row.type = spec["type"]
        row.schedule_key = specs_key(spec)
        row.source_disabled = source_disabled
        if not is_cron(spec):
            row.backfill = None  # Kestra backfills Schedule triggers only
        if restart:
            try:
                row.next_date = next_date(spec, now, _flow_info(flow))
            except (ValueError, TypeError) as error:
                # dates that do not render to ISO dates: the trigger waits for a fixed flow
                logger.warning("trigger %s.%s: unreadable dates: %s", flow, trigger_id, error)
                row.next_date = None
            row.locked_since = None
            if row.backfill:  # once the backfill ends, the new schedule starts from now
                row.backfill = {**row.backfill, "previousNextExecutionDate": _iso(row.next_date)}
        row.save()
        PeriodicTask.objects.update_or_create(
            name=task_name(flow.namespace, flow.flow_id, trigger_id),
            defaults={
                "task": FIRE_TASK,
                "kwargs": _kwargs(row),
                "queue": QUEUE,
                "enabled": not row.effectively_disabled,
                "description": _describe(spec),
                **_clock(spec),
            },
        )
        if not row.backfill:
            backfill_task_remove(row)
        else:
            periodic_tasks_follow(row)


# --- firing ---------------------------------------------------------------------------------


def running(execution_id: str) -> bool:
    from executions.models import Execution
    from executions.states import State

    if not execution_id:
        return False
    state = Execution.objects.filter(id=execution_id).values_list("state", flat=True).first()
    return state is not None and not State(state).is_terminal


def fire_one(
    row: Trigger,
    spec: dict,
    date: datetime,
    *,
    inputs: dict | None = None,
    labels: list[dict] | None = None,
) -> ScheduledRun | None:
    """Fire a Schedule or ScheduleOnDates date (see `claim_and_create`)."""
    return claim_and_create(
        row,
        spec,
        date,
        variables=trigger_variables(spec, date),
        inputs=inputs,
        labels=labels,
        schedule_date=None if is_cron(spec) else date,
    )


def claim_and_create(
    row: Trigger,
    spec: dict,
    date: datetime,
    *,
    variables: dict,
    inputs: dict | None = None,
    labels: list[dict] | None = None,
    schedule_date: datetime | None = None,
) -> ScheduledRun | None:
    """Claim the date (the unique row), then create its execution; None if already claimed
    (by another beat, the backfill, a normal tick or a redelivered polling answer).

    The trigger is then locked on that execution (Kestra's lock) until it ends."""
    from executions.services.creation import execution_create
    from kestra_site.errors import InvalidInput

    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(
                tenant=row.tenant,
                namespace=row.namespace,
                flow_id=row.flow_id,
                trigger_id=row.trigger_id,
                scheduled_date=date,
            )
    except IntegrityError:
        return None
    trigger = {"id": row.trigger_id, "type": spec["type"], "variables": variables}
    try:
        with transaction.atomic():
            execution = execution_create(
                namespace=row.namespace,
                flow_id=row.flow_id,
                inputs={**(spec.get("inputs") or {}), **(inputs or {})},
                labels=[*spec_labels(spec), *(labels or [])],
                trigger=trigger,
                schedule_date=schedule_date,
            )
    except InvalidInput as error:
        logger.warning("Trigger %s could not create its execution: %s", row, error)
        run.error = str(error)
        run.save(update_fields=["error"])
        return run
    run.execution_id = execution.id
    run.save(update_fields=["execution_id"])
    row.execution_id = execution.id
    return run


def live_spec(row: Trigger):
    """The trigger's definition if its flow is live and neither disables it, else None."""
    from flows.models import Flow

    flow = Flow.objects.filter(
        tenant=row.tenant, namespace=row.namespace, flow_id=row.flow_id, deleted=False
    ).first()
    spec = schedule_triggers(flow.definition).get(row.trigger_id) if flow else None
    if flow is None or flow.disabled or spec is None or spec.get("disabled"):
        return None, None
    return flow, spec


def trigger_fire(
    *, namespace: str, flow_id: str, trigger_id: str, now: datetime | None = None
) -> list[ScheduledRun]:
    """One beat tick of a Schedule or ScheduleOnDates trigger: fire the due dates, at most
    once each. While a backfill exists (even paused) the normal schedule waits, as in Kestra;
    the backfill's own task fires its dates (backfills.py)."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        row = (
            Trigger.objects.select_for_update()
            .filter(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
            .first()
        )
        if row is None or row.effectively_disabled or row.backfill:
            return []
        flow, spec = live_spec(row)
        if spec is None:
            return []
        if not is_cron(spec):
            return _fire_on_dates(row, spec, now, _flow_info(flow))
        if row.next_date is None:
            row.next_date = next_date(spec, now)
            row.save()
            return []
        latest = specs_latest(spec, now)
        if latest < row.next_date:
            return []  # not due yet
        if running(row.execution_id):
            # Kestra's trigger lock: the next date stays, so the dates missed meanwhile are
            # fired per recoverMissedSchedules by the first tick after the execution ends.
            if row.locked_since is None:
                row.locked_since = now
                row.save(update_fields=["locked_since", "updated"])
            return []
        due = due_dates(spec, row.next_date, now)
        runs = [run for date in due if (run := fire_one(row, spec, date)) is not None]
        row.last_date = due[-1] if due else row.last_date
        row.next_date = next_date(spec, latest)
        row.locked_since = None
        row.save()
        return runs


def _fire_on_dates(row: Trigger, spec: dict, now: datetime, flow: dict) -> list[ScheduledRun]:
    try:
        if row.next_date is None:
            row.next_date = next_date(spec, now, flow)
            row.save()
            return []
        if row.next_date > now:
            return []
        if running(row.execution_id):
            if row.locked_since is None:
                row.locked_since = now
                row.save(update_fields=["locked_since", "updated"])
            return []
        due = specs_on_dates_due(spec, row.next_date, now, flow)
        runs = [run for date in due if (run := fire_one(row, spec, date)) is not None]
        row.last_date = due[-1] if due else row.last_date
        row.next_date = next_date(spec, now, flow)
    except (ValueError, TypeError) as error:
        logger.warning("trigger %s: unreadable dates: %s", row, error)
        return []
    row.locked_since = None
    row.save()
    return runs
