"""What a Schedule or ScheduleOnDates trigger definition says: its dates, conditions, trigger
variables and due dates (no database: the services call these)."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta

from flows.spec.core.triggers import Schedule, ScheduleOnDates
from flows.spec.durations import parse_duration
from scheduler import conditions, dates

CRON_TYPES = frozenset(Schedule.type_names)
DATES_TYPES = frozenset(ScheduleOnDates.type_names)
SCHEDULE_TYPES = CRON_TYPES | DATES_TYPES
# A date list is rendered at most this far back and forth when looking for neighbours.
_MAX_DATES = 10_000


def task_name(namespace: str, flow_id: str, trigger_id: str) -> str:
    return f"kestra: {namespace}.{flow_id}.{trigger_id}"


def backfill_task_name(namespace: str, flow_id: str, trigger_id: str) -> str:
    return f"{task_name(namespace, flow_id, trigger_id)} (backfill)"


def schedule_triggers(definition: dict) -> dict[str, dict]:
    """The Schedule and ScheduleOnDates triggers of a flow definition (Kestra JSON), by id."""
    return {
        t["id"]: t
        for t in definition.get("triggers") or []
        if isinstance(t, dict) and t.get("type") in SCHEDULE_TYPES and t.get("id")
    }


def is_cron(spec: dict) -> bool:
    return spec.get("type") in CRON_TYPES


def key(spec: dict) -> str:
    """What the trigger's dates depend on; a change restarts its clock from now."""
    tz = spec.get("timezone") or ""
    if is_cron(spec):
        return f"{spec['cron']}|{bool(spec.get('withSeconds'))}|{tz}"
    return f"dates:{json.dumps(spec.get('dates'), sort_keys=True)}|{tz}"[:300]


def iso(at: datetime, tz: str | None) -> str:
    local = at.astimezone(dates.zone(tz)) if tz else at.astimezone(UTC)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def labels(spec: dict) -> list[dict]:
    raw = spec.get("labels") or []
    if isinstance(raw, dict):
        return [{"key": str(k), "value": str(v)} for k, v in raw.items()]
    return [{"key": str(x["key"]), "value": str(x["value"])} for x in raw]


# --- ScheduleOnDates ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _renderer():
    from executions.templating import Functions, Renderer

    return Renderer(Functions())


def listed_dates(spec: dict, flow: dict | None = None) -> list[datetime]:
    """The trigger's `dates`, rendered (each string, or one expression giving a list), read as
    ISO 8601 (a date without offset is in the trigger's timezone), sorted, distinct, in UTC."""
    tz = dates.zone(spec.get("timezone"))
    raw = spec.get("dates") or []
    context = {"flow": flow or {}}
    renderer = _renderer()
    if isinstance(raw, str):
        raw = renderer.render_typed(raw, context)
        if isinstance(raw, str):
            raw = json.loads(raw) if raw.strip().startswith("[") else [raw]
    found: set[datetime] = set()
    for item in list(raw)[:_MAX_DATES]:
        text = renderer.render(item, context) if isinstance(item, str) else str(item)
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=tz)
        found.add(value.astimezone(UTC).replace(microsecond=0))
    return sorted(found)


def on_dates_next(spec: dict, after: datetime, flow: dict | None = None) -> datetime | None:
    return next((d for d in listed_dates(spec, flow) if d > after), None)


def on_dates_due(
    spec: dict, next_date: datetime, now: datetime, flow: dict | None = None
) -> list[datetime]:
    """Listed dates from the trigger's next date up to now, per recoverMissedSchedules."""
    due = [d for d in listed_dates(spec, flow) if next_date <= d <= now]
    policy = spec.get("recoverMissedSchedules") or "ALL"
    if policy == "LAST":
        return due[-1:]
    if policy == "NONE":
        return [d for d in due[-1:] if now - d <= timedelta(seconds=2)]
    return due


# --- Schedule (cron) ------------------------------------------------------------------------


def next_date(spec: dict, at: datetime, flow: dict | None = None) -> datetime | None:
    """The trigger's first date strictly after `at` (None: a date list with none left)."""
    if not is_cron(spec):
        return on_dates_next(spec, at, flow)
    return dates.next_after(
        spec["cron"], at, with_seconds=bool(spec.get("withSeconds")), timezone=spec.get("timezone")
    )


def _conditions(spec: dict) -> list[dict]:
    return [*(spec.get("conditions") or []), *(spec.get("scheduleConditions") or [])]


def _raw_neighbours(spec: dict, date: datetime) -> dict:
    cron, seconds, tz = spec["cron"], bool(spec.get("withSeconds")), spec.get("timezone")
    return {
        "date": iso(date, tz),
        "next": iso(dates.next_after(cron, date, with_seconds=seconds, timezone=tz), tz),
        "previous": iso(dates.previous_before(cron, date, with_seconds=seconds, timezone=tz), tz),
    }


def conditions_hold(spec: dict, date: datetime, flow: dict | None = None) -> bool:
    """Schedule conditions on the date, read in the trigger's timezone (see conditions.py);
    expressions see `trigger` and `schedule` (date, next, previous of the cron) and `flow`."""
    found = _conditions(spec)
    if not found:
        return True
    output = _raw_neighbours(spec, date)
    variables = {"trigger": output, "schedule": output, "flow": flow or {}}
    return conditions.all_hold(found, date.astimezone(dates.zone(spec.get("timezone"))), variables)


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
    """Kestra's Schedule output: `date`, `next`, `previous`, in the trigger's timezone; a
    ScheduleOnDates execution gets its `date`."""
    tz = spec.get("timezone")
    if not is_cron(spec):
        return {"date": iso(date, tz)}
    return {
        "date": iso(date, tz),
        "next": iso(_neighbour(spec, date, forward=True), tz),
        "previous": iso(_neighbour(spec, date, forward=False), tz),
    }


def tick(spec: dict) -> timedelta:
    _, seconds = dates.normalize(spec["cron"], bool(spec.get("withSeconds")))
    return timedelta(seconds=2) if seconds else timedelta(seconds=61)


def latest(spec: dict, now: datetime) -> datetime:
    return dates.previous_or_equal(
        spec["cron"], now, with_seconds=bool(spec.get("withSeconds")), timezone=spec.get("timezone")
    )


def due_dates(spec: dict, next_date: datetime, now: datetime) -> list[datetime]:
    """The dates to fire now: from the trigger's next date up to now, those whose conditions
    hold, cut by lateMaximumDelay and recoverMissedSchedules (ALL by default, as in Kestra)."""
    cron, seconds, tz = spec["cron"], bool(spec.get("withSeconds")), spec.get("timezone")
    last = latest(spec, now)
    if last < next_date:
        return []
    due = list(dates.between(cron, next_date, last, with_seconds=seconds, timezone=tz))
    due = [d for d in due if conditions_hold(spec, d)]  # dates failing conditions are skipped
    if spec.get("lateMaximumDelay"):
        oldest = now - parse_duration(spec["lateMaximumDelay"])
        due = [d for d in due if d >= oldest]
    policy = spec.get("recoverMissedSchedules") or "ALL"
    if policy == "LAST":
        due = due[-1:]
    elif policy == "NONE":
        # Only the occurrence of the current tick; older ones were missed.
        due = [d for d in due[-1:] if d == last and now - d <= tick(spec)]
    return due


def backfill_dates(spec: dict, start: datetime, end: datetime, limit: int) -> list[datetime]:
    """Up to `limit` cron occurrences in [start, end] whose conditions hold, oldest first."""
    cron, seconds, tz = spec["cron"], bool(spec.get("withSeconds")), spec.get("timezone")
    found = []
    for date in dates.between(cron, start, end, with_seconds=seconds, timezone=tz, limit=limit):
        if conditions_hold(spec, date):
            found.append(date)
    return found
