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
WAITING = "waiting:"


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
    if payload.get("stopping") == "gone":  # its last word on a warm shutdown
        WorkerInstance.objects.filter(worker_id=payload["worker_id"]).delete()
        return
    held = [job.rpartition(":")[0] for job in payload.get("running") or []]
    if held:
        clear_waiting(held)
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


class Scan:
    """What the sweeper found among running attempts (each as execution, task run, attempt)."""

    def __init__(self) -> None:
        self.lost: list[tuple[str, str, int]] = []
        # attempts waiting in the queue of a group no live worker serves, not yet flagged
        self.unserved: list[tuple[str, str, int, str]] = []
        # task runs flagged as waiting whose group has a live worker again
        self.revived: list[str] = []


def scan(now: datetime | None = None) -> Scan:
    now = now or datetime.now(UTC)
    grace = timedelta(seconds=settings.KESTRA["HEARTBEAT_TIMEOUT_SECONDS"])
    live = list(live_workers(now))
    held = {job for worker in live for job in worker.running}
    served = {queue for worker in live for queue in worker.queues}
    candidates = TaskRun.objects.filter(
        state=State.RUNNING.value, flowable__isnull=True
    ).values_list("execution_id", "id", "attempts", "worker_group", "status_reason")
    found = Scan()
    depth: dict[str, int] = {}
    for execution_id, task_run_id, attempts, group, reason in candidates:
        queue = dispatch.worker_queue(group)
        waiting = (reason or "").startswith(WAITING)
        if waiting and queue in served:
            found.revived.append(task_run_id)
        since = _dispatched_since(attempts)
        if since is None or now - since < grace:
            continue
        attempt = len(attempts)
        if dispatch.job_message_id(task_run_id, attempt) in held:
            continue
        if queue not in served:
            if not waiting:  # the group lost its last worker: its fallback decides
                found.unserved.append((execution_id, task_run_id, attempt, queue))
            continue
        for name in (queue, dispatch.EXECUTOR_QUEUE):
            if name not in depth:
                depth[name] = queue_depth(name)
        if depth[queue] or depth[dispatch.EXECUTOR_QUEUE]:
            continue  # it may still be queued, or its result may be on its way
        found.lost.append((execution_id, task_run_id, attempt))
    return found


def lost_attempts(now: datetime | None = None) -> list[tuple[str, str, int]]:
    """(execution id, task run id, attempt) of the attempts whose worker is gone."""
    return scan(now).lost


def resubmit_lost(now: datetime | None = None) -> int:
    """The sweeper's liveness pass: resubmit lost attempts, apply workerGroup fallbacks to
    jobs whose group has no live worker, and clear waiting reasons of groups served again."""
    found = scan(now)
    for execution_id, task_run_id, attempt in found.lost:
        logger.warning(
            "attempt %s of task run %s (execution %s) lost its worker: resubmitting",
            attempt,
            task_run_id,
            execution_id,
        )
        executor.execution_process(execution_id, [engine.WorkerLost(task_run_id, attempt)])
    for execution_id, task_run_id, attempt, queue in found.unserved:
        event = engine.WorkerUnavailable(task_run_id, attempt, queue)
        executor.execution_process(execution_id, [event])
    if found.revived:
        clear_waiting(found.revived)
    WorkerInstance.objects.filter(
        last_seen__lt=(now or datetime.now(UTC)) - timedelta(days=1)
    ).delete()
    return len(found.lost) + len(found.unserved)


def clear_waiting(task_run_ids: list[str]) -> None:
    """A waiting reason no longer holds (a worker took the job, or serves its group again).
    Informational only, so a plain update rather than an engine decision."""
    TaskRun.objects.filter(id__in=task_run_ids, status_reason__startswith=WAITING).update(
        status_reason=None
    )


def report_lost(payload: dict) -> None:
    """A worker stopping on SIGTERM gave up an attempt after its grace period: resubmit it
    now rather than after the heartbeat timeout (dropped if its result came first)."""
    logger.warning(
        "worker %s stopped attempt %s of task run %s on shutdown: resubmitting",
        payload.get("worker_id"),
        payload["attempt"],
        payload["task_run_id"],
    )
    executor.execution_process(
        payload["execution_id"], [engine.WorkerLost(payload["task_run_id"], payload["attempt"])]
    )
