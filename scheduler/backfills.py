"""Backfills of Schedule triggers, kept as Kestra keeps them in the trigger context.

`backfill = {start, end, currentDate, inputs, labels, paused, previousNextExecutionDate}`.
While a backfill exists (even paused) the trigger's normal ticks wait; a per-second
PeriodicTask (`scheduler.backfill`) fires its dates from `currentDate` to `end` in order, one
execution at a time (the trigger lock holds between them, as in Kestra), each date claimed
with the same unique ScheduledRun as a normal tick: a date already fired is skipped. When the
backfill passes `end`, or is deleted, the trigger's next date goes back to what it was before
(`previousNextExecutionDate`), and the normal schedule recovers from there per
`recoverMissedSchedules`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone as dj_timezone

from kestra_site.errors import InvalidInput
from scheduler import dates, services, specs
from scheduler.models import ScheduledRun, Trigger

# A date already fired is skipped without firing: at most this many skips per tick.
_SKIPS_PER_TICK = 500
_SEARCH_STEPS = 100_000


def _iso(at: datetime | None) -> str | None:
    return None if at is None else specs.iso(at, None)


def parse_date(value, path: str) -> datetime:
    """An ISO 8601 date-time (an offset or `Z`; none means UTC), or 422 naming the field."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("must be an ISO 8601 date-time", path=path)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"must be an ISO 8601 date-time, got {value!r}", path=path) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _labels(value, path: str) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [{"key": k, "value": v} for k, v in value.items()]
    if not isinstance(value, list):
        raise InvalidInput("must be a list of {key, value} or a map", path=path)
    labels = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not item.get("key") or "value" not in item:
            raise InvalidInput("must be {key, value}", path=f"{path}[{index}]")
        if str(item["key"]).startswith("system."):
            raise InvalidInput("system labels cannot be set", path=f"{path}[{index}].key")
        labels.append({"key": str(item["key"]), "value": str(item["value"])})
    return labels


def _locked_row(namespace: str, flow_id: str, trigger_id: str) -> Trigger:
    from kestra_site.errors import NotFound

    row = (
        Trigger.objects.select_for_update()
        .filter(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
        .first()
    )
    if row is None:
        raise NotFound(f"Unable to find trigger {trigger_id} for the flow {namespace}.{flow_id}")
    return row


def backfill_set(row: Trigger, backfill: dict, *, now: datetime | None = None) -> Trigger:
    """Start a backfill on a (locked) trigger row; 422 naming the field on bad input."""
    if not isinstance(backfill, dict):
        raise InvalidInput("must be an object {start, end, inputs, labels}", path="backfill")
    if row.type and row.type not in specs.CRON_TYPES:
        raise InvalidInput("only Schedule triggers can be backfilled", path="backfill")
    start = parse_date(backfill.get("start"), "backfill.start")
    end_raw = backfill.get("end")
    end = parse_date(end_raw, "backfill.end") if end_raw else (now or dj_timezone.now())
    if end < start:
        raise InvalidInput("must not be before backfill.start", path="backfill.end")
    inputs = backfill.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        raise InvalidInput("must be an object of input values", path="backfill.inputs")
    previous = (row.backfill or {}).get("previousNextExecutionDate") or _iso(row.next_date)
    row.backfill = {
        "start": _iso(start),
        "end": _iso(end),
        "currentDate": _iso(start),
        "inputs": inputs,
        "labels": _labels(backfill.get("labels"), "backfill.labels"),
        "paused": bool(backfill.get("paused", False)),
        "previousNextExecutionDate": previous,
    }
    row.save()
    services.backfill_task_ensure(row)
    return row


def _finish(row: Trigger) -> None:
    previous = (row.backfill or {}).get("previousNextExecutionDate")
    row.next_date = parse_date(previous, "previousNextExecutionDate") if previous else None
    row.backfill = None
    row.save()
    services.backfill_task_remove(row)


def backfill_pause(namespace: str, flow_id: str, trigger_id: str, paused: bool) -> Trigger:
    with transaction.atomic():
        row = _locked_row(namespace, flow_id, trigger_id)
        if not row.backfill:
            raise InvalidInput("No backfill found", path="backfill")
        row.backfill = {**row.backfill, "paused": paused}
        row.save()
        services.periodic_tasks_follow(row)
        return row


def backfill_delete(namespace: str, flow_id: str, trigger_id: str) -> Trigger:
    with transaction.atomic():
        row = _locked_row(namespace, flow_id, trigger_id)
        if not row.backfill:
            raise InvalidInput("No backfill found", path="backfill")
        _finish(row)
        return row


def _first_due(spec: dict, current: datetime, end: datetime) -> datetime | None:
    """The first cron occurrence in [current, end] whose conditions hold."""
    cron, seconds, tz = spec["cron"], bool(spec.get("withSeconds")), spec.get("timezone")
    at = current - timedelta(microseconds=1)
    for _ in range(_SEARCH_STEPS):
        at = dates.next_after(cron, at, with_seconds=seconds, timezone=tz)
        if at > end:
            return None
        if specs.conditions_hold(spec, at):
            return at
    return None


def backfill_fire(
    *, namespace: str, flow_id: str, trigger_id: str, now: datetime | None = None
) -> list[ScheduledRun]:
    """One tick of a backfill: fire its next date (dates already fired are skipped), unless
    the trigger's last execution still runs; end the backfill once past its `end`."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        row = (
            Trigger.objects.select_for_update()
            .filter(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
            .first()
        )
        if row is None or not row.backfill or row.effectively_disabled:
            return []
        if row.backfill.get("paused"):
            return []
        _, spec = services.live_spec(row)
        if spec is None or not specs.is_cron(spec):
            return []
        if services.running(row.execution_id):
            return []  # Kestra's lock: one backfill execution at a time
        backfill = row.backfill
        current = parse_date(backfill["currentDate"], "backfill.currentDate")
        end = parse_date(backfill["end"], "backfill.end")
        runs: list[ScheduledRun] = []
        for _ in range(_SKIPS_PER_TICK):
            date = _first_due(spec, current, min(end, now))
            if date is None:
                if end <= now:
                    _finish(row)
                    return runs
                break  # the rest of the window is still in the future
            run = services.fire_one(
                row, spec, date, inputs=backfill.get("inputs"), labels=backfill.get("labels")
            )
            current = date + timedelta(seconds=1)
            if run is not None:
                runs.append(run)
                row.last_date = date
                break  # the trigger is now locked on this execution
        row.backfill = {**backfill, "currentDate": _iso(current)}
        row.save()
        return runs
