"""Celery tasks of the executor (queue `executor`): thin, idempotent, ids in and nothing out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from celery import shared_task
from django.db.models import Q

from executions import dispatch, executor, liveness
from executions.engine import WorkerResult
from executions.models import Execution
from executions.states import State

logger = logging.getLogger(__name__)


@shared_task(name=dispatch.TICK_TASK, ignore_result=True)
def tick(execution_id: str) -> None:
    """Let the engine make progress on one execution (start it, fire due timers, ...)."""
    executor.execution_process(execution_id)


@shared_task(name=dispatch.RESULT_TASK, ignore_result=True)
def result(payload: dict) -> None:
    """A worker finished an attempt: store its logs and apply the result."""
    children = payload.get("children")
    logs = list(payload.get("logs") or [])
    for child in children or []:  # a WorkingDirectory: each child's logs under its task run
        context = {"task_run_id": child.get("id"), "task_id": child.get("taskId"), "attempt": 1}
        logs += [{**line, **context} for line in child.get("logs") or []]
    event = WorkerResult(
        task_run_id=payload["task_run_id"],
        attempt=payload["attempt"],
        state=payload["state"],
        outputs=payload.get("outputs"),
        error=payload.get("error"),
        children=[{k: v for k, v in c.items() if k != "logs"} for c in children]
        if children is not None
        else None,
    )
    executor.execution_process(
        payload["execution_id"], [event], worker_logs=logs, log_context=payload
    )


@shared_task(name="executions.heartbeat", ignore_result=True)
def heartbeat(payload: dict) -> None:
    """A worker is alive: record its queues and the jobs it holds."""
    liveness.record_heartbeat(payload)


@shared_task(name=dispatch.LOST_TASK, ignore_result=True)
def lost(payload: dict) -> None:
    """A worker shutting down stopped an attempt: resubmit it at once."""
    liveness.report_lost(payload)


OPEN = [s.value for s in State if not s.is_terminal]


@shared_task(name="executions.sweep", ignore_result=True)
def sweep(
    stale_seconds: float = 60.0, created_grace_seconds: float = 5.0, limit: int = 1000
) -> int:
    """Re-send ticks for what is overdue, so a lost message delays work and never loses it:
    due timers, executions never started, and open executions untouched for a while."""
    now = datetime.now(UTC)
    due = (
        Execution.objects.filter(state__in=OPEN)
        .filter(
            Q(wake_at__lte=now)
            | Q(
                state=State.CREATED.value,
                created__lte=now - timedelta(seconds=created_grace_seconds),
            )
            | Q(updated__lte=now - timedelta(seconds=stale_seconds))
        )
        .order_by("updated")
        .values_list("id", flat=True)[:limit]
    )
    count = 0
    for execution_id in due:
        dispatch.send_tick(execution_id)
        count += 1
    if count:
        logger.info("sweeper re-sent %d tick(s)", count)
    return count + liveness.resubmit_lost(now)
