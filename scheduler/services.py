"""Schedule triggers: kept in step with their flows, and fired by `scheduler.fire`.

`triggers_sync(flow)` runs inside the flow write's transaction (flows/services.py), so a
failing save leaves neither Trigger nor PeriodicTask rows behind.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from flows.spec.core.triggers import Schedule
from flows.spec.durations import parse_duration
from scheduler import conditions, dates
from scheduler.models import ScheduledRun, Trigger

logger = logging.getLogger(__name__)

FIRE_TASK = "scheduler.fire"
QUEUE = "executor"
SCHEDULE_TYPES = frozenset(Schedule.type_names)
_PLAIN = re.compile(r"^[0-9*/,-]+$")


def task_name(namespace: str, flow_id: str, trigger_id: str) -> str:
    return f"kestra: {namespace}.{flow_id}.{trigger_id}"


def schedule_triggers(definition: dict) -> dict[str, dict]:
    """The Schedule triggers of a flow definition (Kestra JSON), by id."""
    return {
        t["id"]: t
        for t in definition.get("triggers") or []
        if isinstance(t, dict) and t.get("type") in SCHEDULE_TYPES and t.get("id")
    }


def _key(spec: dict) -> str:
    return f"{spec['cron']}|{bool(spec.get('withSeconds'))}|{spec.get('timezone') or ''}"


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
    - Any other 6-field (`withSeconds`) cron ticks every second (IntervalSchedule); any other
      5-field cron ticks every minute (a `* * * * *` crontab). Each tick runs `scheduler.fire`,
      which checks croniter and fires only when an occurrence is due.
    """
    tz = spec.get("timezone") or "UTC"
    fields = crontab_fields(spec["cron"], bool(spec.get("withSeconds")))
    _, seconds = dates.normalize(spec["cron"], bool(spec.get("withSeconds")))
    if fields is None and seconds:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=1, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
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


def triggers_sync(flow) -> None:
    """Bring the Trigger and PeriodicTask rows of a flow in step with its current revision."""
    specs = {} if flow.deleted else schedule_triggers(flow.definition or {})
    scope = {"tenant": flow.tenant, "namespace": flow.namespace, "flow_id": flow.flow_id}
    # Only the rows of schedule triggers: polling triggers' rows are kept by scheduler/polling.py.
    stale = (
        Trigger.objects.filter(**scope)
        .filter(Q(type__in=SCHEDULE_TYPES) | Q(type=""))
        .exclude(trigger_id__in=list(specs))
    )
    for row in stale:
        PeriodicTask.objects.filter(
            name=task_name(flow.namespace, flow.flow_id, row.trigger_id)
        ).delete()
    stale.delete()
    now = dj_timezone.now()
    for trigger_id, spec in specs.items():
        disabled = bool(flow.disabled or spec.get("disabled"))
        row = Trigger.objects.select_for_update().filter(**scope, trigger_id=trigger_id).first()
        if row is None:
            row = Trigger(**scope, trigger_id=trigger_id)
        # A new or changed schedule, or a trigger coming back, starts from now (no catch-up).
        restart = row.next_date is None or row.schedule_key != _key(spec) or row.disabled
        row.flow_revision = flow.revision
        row.type = spec["type"]
        row.schedule_key = _key(spec)
        row.disabled = disabled
        if restart:
            row.next_date = _next(spec, now)
            row.locked_since = None
        row.save()
        PeriodicTask.objects.update_or_create(
            name=task_name(flow.namespace, flow.flow_id, trigger_id),
            defaults={
                "task": FIRE_TASK,
                "kwargs": json.dumps(
                    {"namespace": flow.namespace, "flow_id": flow.flow_id, "trigger_id": trigger_id}
                ),
                "queue": QUEUE,
                "enabled": not disabled,
                "description": f"System task: Schedule trigger ({spec['cron']}) of a flow.",
                **_clock(spec),
            },
        )


# --- firing ---------------------------------------------------------------------------------


def _next(spec: dict, at: datetime) -> datetime:
    return dates.next_after(
        spec["cron"], at, with_seconds=bool(spec.get("withSeconds")), timezone=spec.get("timezone")
    )


def _iso(at: datetime, tz: str | None) -> str:
    local = at.astimezone(dates.zone(tz)) if tz else at.astimezone(UTC)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _conditions(spec: dict) -> list[dict]:
    return [*(spec.get("conditions") or []), *(spec.get("scheduleConditions") or [])]


def conditions_hold(spec: dict, date: datetime) -> bool:
    """Schedule conditions on the date, read in the trigger's timezone (see conditions.py)."""
    found = _conditions(spec)
    return not found or conditions.all_hold(
        found, date.astimezone(dates.zone(spec.get("timezone")))
    )


def _neighbour(spec: dict, date: datetime, forward: bool, steps: int = 10_000) -> datetime:
    """The next (or previous) occurrence whose conditions hold, as Kestra recomputes them."""
    cron, seconds, tz = spec["cron"], bool(spec.get("withSeconds")), spec.get("timezone")
    step = dates.next_after if forward else dates.previous_before
    candidate = step(cron, date, with_seconds=seconds, timezone=tz)
    for _ in range(steps):
        if conditions_hold(spec, candidate):
            return candidate
        candidate = step(cron, candidate, with_seconds=seconds, timezone=tz)
    return candidate


def trigger_variables(spec: dict, date: datetime) -> dict:
    """Kestra's Schedule output: `date`, `next`, `previous`, in the trigger's timezone."""
    tz = spec.get("timezone")
    return {
        "date": _iso(date, tz),
        "next": _iso(_neighbour(spec, date, forward=True), tz),
        "previous": _iso(_neighbour(spec, date, forward=False), tz),
    }


def due_dates(spec: dict, next_date: datetime, now: datetime) -> list[datetime]:
    """The dates to fire now: from the trigger's next date up to now, those whose conditions
    hold, cut by lateMaximumDelay and recoverMissedSchedules (ALL by default, as in Kestra)."""
    cron, seconds, tz = spec["cron"], bool(spec.get("withSeconds")), spec.get("timezone")
    latest = dates.previous_or_equal(cron, now, with_seconds=seconds, timezone=tz)
    if latest < next_date:
        return []
    due = list(dates.between(cron, next_date, latest, with_seconds=seconds, timezone=tz))
    due = [d for d in due if conditions_hold(spec, d)]  # dates failing conditions are skipped
    if spec.get("lateMaximumDelay"):
        oldest = now - parse_duration(spec["lateMaximumDelay"])
        due = [d for d in due if d >= oldest]
    policy = spec.get("recoverMissedSchedules") or "ALL"
    if policy == "LAST":
        due = due[-1:]
    elif policy == "NONE":
        # Only the occurrence of the current tick; older ones were missed.
        due = [d for d in due[-1:] if d == latest and now - d <= _tick(spec)]
    return due


def _tick(spec: dict) -> timedelta:
    _, seconds = dates.normalize(spec["cron"], bool(spec.get("withSeconds")))
    return timedelta(seconds=2) if seconds else timedelta(seconds=61)


def _labels(spec: dict) -> list[dict]:
    raw = spec.get("labels") or []
    if isinstance(raw, dict):
        return [{"key": str(k), "value": str(v)} for k, v in raw.items()]
    return [{"key": str(x["key"]), "value": str(x["value"])} for x in raw]


def _running(execution_id: str) -> bool:
    from executions.models import Execution
    from executions.states import State

    if not execution_id:
        return False
    state = Execution.objects.filter(id=execution_id).values_list("state", flat=True).first()
    return state is not None and not State(state).is_terminal


def _fire_one(row: Trigger, spec: dict, date: datetime) -> ScheduledRun | None:
    """Claim the date (the unique row), then create its execution; None if already claimed."""
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
        return None  # another beat fired this date
    trigger = {
        "id": row.trigger_id,
        "type": spec["type"],
        "variables": trigger_variables(spec, date),
    }
    try:
        with transaction.atomic():
            execution = execution_create(
                namespace=row.namespace,
                flow_id=row.flow_id,
                inputs=spec.get("inputs") or {},
                labels=_labels(spec),
                trigger=trigger,
            )
    except InvalidInput as error:
        logger.warning("Schedule %s could not create its execution: %s", row, error)
        run.error = str(error)
        run.save(update_fields=["error"])
        return run
    run.execution_id = execution.id
    run.save(update_fields=["execution_id"])
    row.execution_id = execution.id
    return run


def trigger_fire(
    *, namespace: str, flow_id: str, trigger_id: str, now: datetime | None = None
) -> list[ScheduledRun]:
    """One beat tick of a Schedule trigger: fire the due dates, at most once each."""
    from flows.models import Flow

    now = now or dj_timezone.now()
    with transaction.atomic():
        row = (
            Trigger.objects.select_for_update()
            .filter(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
            .first()
        )
        if row is None or row.disabled:
            return []
        flow = Flow.objects.filter(
            tenant=row.tenant, namespace=namespace, flow_id=flow_id, deleted=False
        ).first()
        spec = schedule_triggers(flow.definition).get(trigger_id) if flow else None
        if flow is None or flow.disabled or spec is None or spec.get("disabled"):
            return []
        if row.next_date is None:
            row.next_date = _next(spec, now)
            row.save()
            return []
        due = due_dates(spec, row.next_date, now)
        latest = dates.previous_or_equal(
            spec["cron"],
            now,
            with_seconds=bool(spec.get("withSeconds")),
            timezone=spec.get("timezone"),
        )
        if latest < row.next_date:
            return []  # not due yet
        if _running(row.execution_id):
            # Kestra's trigger lock: the next date stays, so the dates missed meanwhile are
            # fired per recoverMissedSchedules by the first tick after the execution ends.
            if row.locked_since is None:
                row.locked_since = now
                row.save(update_fields=["locked_since", "updated"])
            return []
        runs = [run for date in due if (run := _fire_one(row, spec, date)) is not None]
        row.last_date = due[-1] if due else row.last_date
        row.next_date = _next(spec, latest)
        row.locked_since = None
        row.save()
        return runs
