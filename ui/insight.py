"""Read-only views of an execution for its page: why it is not running, and its Gantt rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from executions.models import Execution, TaskRun
from executions.states import State
from scheduler.models import Trigger
from workers import selectors as worker_selectors

_OPEN = [State.CREATED.value, State.QUEUED.value]


def _date(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def execution_reasons(row: Execution, task_runs: list[TaskRun], plan=None) -> list[str]:
    """Why an execution (or its task runs) is not moving, in words a user can act on."""
    reasons: list[str] = []
    state = State(row.state)
    if state is State.QUEUED:
        limit = ((plan.source if plan is not None else {}) or {}).get("concurrency") or {}
        holders = list(
            Execution.objects.filter(
                tenant=row.tenant, namespace=row.namespace, flow_id=row.flow_id
            )
            .exclude(pk=row.pk)
            .exclude(state__in=[s.value for s in State if s.is_terminal] + _OPEN)
            .values_list("id", flat=True)[:5]
        )
        held = ", ".join(holders) if holders else "none any more (it starts on the next tick)"
        reasons.append(
            f"Queued by the flow's concurrency limit ({limit.get('limit', '?')}): "
            f"held by execution {held}."
        )
    elif state is State.CREATED:
        reasons.append(
            "Created, waiting for the executor to start it (the sweeper re-sends the tick if the "
            "message was lost)."
        )
    triggers = Trigger.objects.filter(execution_id=row.id).exclude(locked_since=None)
    for trigger in triggers:
        reasons.append(
            f"Trigger {trigger.trigger_id} is locked by this execution since "
            f"{trigger.locked_since:%Y-%m-%d %H:%M:%S} UTC: its next dates wait until it ends."
        )
    live = worker_selectors.served_queues()
    for task_run in task_runs:
        if State(task_run.state).is_terminal:
            continue
        reason = task_run_reason(task_run, live_groups=live)
        if reason:
            reasons.append(f"{task_run.task_id}: {reason}")
    return reasons


def task_run_reason(task_run: TaskRun, live_groups: set[str] | None = None) -> str | None:
    """Why one task run waits: its recorded reason, a retry date, a missing worker."""
    state = State(task_run.state)
    if task_run.status_reason:
        return task_run.status_reason
    if state in (State.RETRYING, State.CREATED) and task_run.next_retry_date:
        return f"waiting for a retry at {task_run.next_retry_date:%Y-%m-%d %H:%M:%S} UTC"
    if state is State.PAUSED and task_run.resume_date:
        return f"paused until {task_run.resume_date:%Y-%m-%d %H:%M:%S} UTC"
    if state in (State.CREATED, State.SUBMITTED) and task_run.worker_group:
        groups = live_groups if live_groups is not None else worker_selectors.served_queues()
        if task_run.worker_group not in groups:
            return f"no live worker in group {task_run.worker_group}"
    return None


@dataclass
class Bar:
    left: float
    width: float
    state: str
    title: str


@dataclass
class GanttRow:
    task_run: TaskRun
    indent: int
    bars: list[Bar]
    duration: str
    reason: str | None


def _fmt(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def gantt(row: Execution, task_runs: list[TaskRun], now: datetime | None = None) -> list[GanttRow]:
    """One row per task run with a bar per attempt, placed on the execution's time span."""
    now = now or datetime.now(UTC)
    start = row.start_date or row.created
    end = row.end_date or now
    total = max((end - start).total_seconds(), 0.001)
    depth: dict[str, int] = {}
    live = worker_selectors.served_queues()
    rows = []
    for task_run in task_runs:
        indent = depth.get(task_run.parent_task_run_id or "", -1) + 1
        depth[task_run.id] = indent
        bars: list[Bar] = []
        spans = []
        for number, attempt in enumerate(task_run.attempts or [], start=1):
            info = attempt.get("state") or {}
            dates = [_date(h.get("date")) for h in info.get("histories") or []]
            dates = [d for d in dates if d is not None]
            if not dates:
                continue
            current = info.get("current", "")
            a_start = dates[0]
            a_end = dates[-1] if State(current).is_terminal else now
            spans.append((a_start, a_end, current, number))
        if not spans:
            t_start = task_run.start_date or start
            t_end = task_run.end_date or (now if not State(task_run.state).is_terminal else t_start)
            spans.append((t_start, t_end, task_run.state, 0))
        for a_start, a_end, state, number in spans:
            left = max((a_start - start).total_seconds() / total * 100, 0)
            width = max((a_end - a_start).total_seconds() / total * 100, 0.4)
            width = min(width, 100 - left) if left < 100 else 0.4
            label = f"attempt {number}: " if number else ""
            bars.append(
                Bar(left, width, state, f"{label}{state} {_fmt((a_end - a_start).total_seconds())}")
            )
        t_start = task_run.start_date or spans[0][0]
        t_end = task_run.end_date or (
            now if not State(task_run.state).is_terminal else spans[-1][1]
        )
        rows.append(
            GanttRow(
                task_run,
                indent,
                bars,
                _fmt(max((t_end - t_start).total_seconds(), 0)),
                task_run_reason(task_run, live),
            )
        )
    return rows
