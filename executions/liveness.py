"""Crash safety: worker heartbeats, and finding the attempts whose worker is gone.

An attempt is lost when no live worker holds it (active or reserved), its message is not
waiting in its queue, and no result can still be on its way (the executor queue is empty).
Lost attempts become WorkerLost events: the engine marks them RESUBMITTED and starts a new
attempt on a live worker; a late result of the lost attempt is then dropped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings

from executions import dispatch, engine, executor
from executions.models import TaskRun
from executions.states import State
from workers.models import WorkerInstance

logger = logging.getLogger(__name__)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def stale_jobs(jobs: list[str]) -> list[str]:
    """The jobs (`<task run id>:<attempt>`) that are no longer the current attempt of a
    running task run: a worker that held them while it was stopped must drop them."""
    wanted: dict[str, int] = {}
    for job in jobs:
        task_run_id, _, attempt = job.rpartition(":")
        if task_run_id and attempt.isdigit():
            wanted[task_run_id] = int(attempt)
    if not wanted:
        return []
    current = {
        task_run_id: (state, len(attempts or []))
        for task_run_id, state, attempts in TaskRun.objects.filter(id__in=list(wanted)).values_list(
            "id", "state", "attempts"
        )
    }
    stale = []
    for task_run_id, attempt in wanted.items():
        state, count = current.get(task_run_id, (None, 0))
        if state is None or State(state).is_terminal or attempt != count:
            stale.append(dispatch.job_message_id(task_run_id, attempt))
    return stale


def record_heartbeat(payload: dict) -> None:
    """Store a worker's heartbeat, and stop any superseded work it still holds."""
    for job in stale_jobs(payload.get("running") or []):
        logger.warning(
            "worker %s holds superseded job %s: stopping it", payload.get("worker_id"), job
        )
        dispatch.celery().control.revoke(job, terminate=True, signal="SIGTERM")
    now = datetime.now(UTC)
    WorkerInstance.objects.update_or_create(
        worker_id=payload["worker_id"],
        defaults={
            "hostname": payload.get("hostname", ""),
            "pid": payload.get("pid", 0),
            "queues": payload.get("queues") or [],
            "running": payload.get("running") or [],
            "started": _parse(payload["started"]) if payload.get("started") else now,
            "last_seen": now,
        },
    )


def live_workers(now: datetime | None = None):
    now = now or datetime.now(UTC)
    timeout = timedelta(seconds=settings.KESTRA["HEARTBEAT_TIMEOUT_SECONDS"])
    return WorkerInstance.objects.filter(last_seen__gte=now - timeout)


def queue_depth(name: str) -> int:
    """Messages waiting in a broker queue (0 when the queue does not exist)."""
    from kombu.exceptions import ChannelError

    app = dispatch.celery()
    with app.connection_for_read() as connection, connection.channel() as channel:
        try:
            return channel.queue_declare(queue=name, passive=True).message_count
        except ChannelError:
            return 0


def _dispatched_since(attempts: list[dict]) -> datetime | None:
    if not attempts:
        return None
    state = attempts[-1].get("state") or {}
    if state.get("current") != State.RUNNING.value:
        return None
    histories = state.get("histories") or []
    return _parse(histories[-1]["date"]) if histories else None


def lost_attempts(now: datetime | None = None) -> list[tuple[str, str, int]]:
    """(execution id, task run id, attempt) of the attempts whose worker is gone."""
    now = now or datetime.now(UTC)
    grace = timedelta(seconds=settings.KESTRA["HEARTBEAT_TIMEOUT_SECONDS"])
    live = list(live_workers(now))
    held = {job for worker in live for job in worker.running}
    served = {queue for worker in live for queue in worker.queues}
    candidates = TaskRun.objects.filter(
        state=State.RUNNING.value, flowable__isnull=True
    ).values_list("execution_id", "id", "attempts", "worker_group")
    lost: list[tuple[str, str, int]] = []
    depth: dict[str, int] = {}
    for execution_id, task_run_id, attempts, group in candidates:
        since = _dispatched_since(attempts)
        if since is None or now - since < grace:
            continue
        attempt = len(attempts)
        if dispatch.job_message_id(task_run_id, attempt) in held:
            continue
        queue = dispatch.worker_queue(group)
        if queue not in served:
            continue  # fallback WAIT: nobody serves the group; the job waits in its queue
        for name in (queue, dispatch.EXECUTOR_QUEUE):
            if name not in depth:
                depth[name] = queue_depth(name)
        if depth[queue] or depth[dispatch.EXECUTOR_QUEUE]:
            continue  # it may still be queued, or its result may be on its way
        lost.append((execution_id, task_run_id, attempt))
    return lost


def resubmit_lost(now: datetime | None = None) -> int:
    lost = lost_attempts(now)
    for execution_id, task_run_id, attempt in lost:
        logger.warning(
            "attempt %s of task run %s (execution %s) lost its worker: resubmitting",
            attempt,
            task_run_id,
            execution_id,
        )
        executor.execution_process(execution_id, [engine.WorkerLost(task_run_id, attempt)])
    WorkerInstance.objects.filter(
        last_seen__lt=(now or datetime.now(UTC)) - timedelta(days=1)
    ).delete()
    return len(lost)
