"""Messages the executor sends, collected during a transaction and published after it commits."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from django.conf import settings

from executions import engine
from executions.models import Execution
from executions.states import State
from kestra_site import faults

logger = logging.getLogger(__name__)

TICK_TASK = "executions.tick"
RESULT_TASK = "executions.result"
LOST_TASK = "executions.lost"  # a worker gave up an attempt on shutdown
RUN_TASK = "workers.run"
# Polling triggers: beat's tick (executor), the evaluation (worker group), its result (executor).
POLL_TASK = "scheduler.poll"
POLL_EVALUATE_TASK = "workers.poll"
POLLED_TASK = "scheduler.polled"
EXECUTOR_QUEUE = "executor"


def celery():
    from kestra_site.celery import app

    return app


def send_tick(execution_id: str, at: datetime | None = None) -> None:
    """Wake the executor for one execution, now or at `at` (a timer: retry, pause, SLA)."""
    celery().send_task(TICK_TASK, args=[execution_id], queue=EXECUTOR_QUEUE, eta=at)


def kick(execution_id: str) -> None:
    """The first tick after a change committed outside the executor (a new execution, a
    restart). The change is already committed, so a broker that is down must not make the
    caller believe it failed: the sweeper sends the tick once the broker is back (a CREATED
    execution after a few seconds, any other open one when overdue)."""
    from kombu.exceptions import OperationalError

    try:
        send_tick(execution_id)
    except OperationalError as error:
        logger.warning("tick for %s not sent (%s): the sweeper will send it", execution_id, error)


def job_payload(job: engine.WorkerJob, extra: dict | None = None) -> dict:
    # A shallow copy: the message is serialized at once, and asdict's deep copy of the
    # rendered variables (every earlier output) cost more with each task of a flow.
    payload = {f.name: getattr(job, f.name) for f in dataclasses.fields(job)}
    if extra:
        payload.update(extra)
    return payload


def worker_queue(group: str | None) -> str:
    return group or settings.KESTRA["DEFAULT_WORKER_GROUP"]


def job_message_id(task_run_id: str, attempt: int) -> str:
    """The Celery id of a worker job: one per attempt, so a kill can name it."""
    return f"{task_run_id}:{attempt}"


def kill_attempt(execution_id: str, task_run_id: str, attempt: int) -> None:
    """Stop an attempt on whichever worker runs it, then report it KILLED (a result that
    arrives first wins; the later one is dropped as the task run has ended)."""
    app = celery()
    app.control.revoke(job_message_id(task_run_id, attempt), terminate=True, signal="SIGTERM")
    app.send_task(
        RESULT_TASK,
        queue=EXECUTOR_QUEUE,
        args=[
            {
                "execution_id": execution_id,
                "task_run_id": task_run_id,
                "attempt": attempt,
                "state": "KILLED",
                "outputs": None,
                "error": "killed",
                "logs": [],
            }
        ],
    )


class Dispatch:
    """What one executor transaction wants sent; `send` runs from `transaction.on_commit`."""

    def __init__(self) -> None:
        self._ticks: list[str] = []
        self._jobs: list[engine.WorkerJob] = []
        self._extras: dict[str, dict] = {}
        self._kills: list[engine.KillJob] = []
        self._timers: dict[str, datetime] = {}

    def tick(self, execution_id: str) -> None:
        if execution_id not in self._ticks:
            self._ticks.append(execution_id)

    def tick_at(self, execution_id: str, at: datetime) -> None:
        """A delayed tick (the sweeper stays the safety net if the broker loses it)."""
        self._timers[execution_id] = at

    def jobs(self, jobs: list[engine.WorkerJob], extras: dict[str, dict] | None = None) -> None:
        """Worker jobs; `extras` adds fields to some payloads, by task run id."""
        self._jobs.extend(jobs)
        self._extras.update(extras or {})

    def kills(self, kills: list[engine.KillJob]) -> None:
        self._kills.extend(kills)

    def after_terminal(self, row: Execution) -> None:
        """An execution ended: wake its parent, and the next queued execution of its flow."""
        if row.parent_id:
            self.tick(row.parent_id)
        queued = (
            Execution.objects.filter(
                tenant=row.tenant,
                namespace=row.namespace,
                flow_id=row.flow_id,
                state=State.QUEUED.value,
            )
            .order_by("created")
            .values_list("id", flat=True)
            .first()
        )
        if queued:
            self.tick(queued)

    def send(self) -> None:
        faults.point("executor.after_commit")
        app = celery()
        from executions.executor_tasks import LOCAL_TASK, is_local

        for job in self._jobs:
            payload = job_payload(job, self._extras.get(job.task_run_id))
            local = is_local(job.task)
            app.send_task(
                LOCAL_TASK if local else RUN_TASK,
                args=[payload],
                queue=EXECUTOR_QUEUE if local else worker_queue(job.worker_group),
                task_id=job_message_id(job.task_run_id, job.attempt),
            )
        for kill in self._kills:
            if kill.child_execution_id:
                self.tick(kill.child_execution_id)
            elif kill.attempt is not None:
                kill_attempt(kill.execution_id, kill.task_run_id, kill.attempt)
        for execution_id in self._ticks:
            send_tick(execution_id)
        for execution_id, at in self._timers.items():
            send_tick(execution_id, at)
        faults.point("executor.after_send")
