"""Warm shutdown of a worker: finish what runs within a grace period, give the rest back.

On SIGTERM Celery stops taking messages and waits for the running tasks. Here, a thread keeps
heartbeating (now with no queues: the worker serves no group any more) while the jobs finish,
for at most KESTRA_WORKER_SHUTDOWN_GRACE_SECONDS. Jobs still running then are stopped (their
script process groups with them) and reported to the executor as lost, so they are resubmitted
on another worker at once instead of after the heartbeat timeout. Their messages are
acknowledged first, so the broker does not deliver the superseded attempt again.

Send SIGTERM to the worker's main process only (systemd `KillMode=mixed`, `docker stop`): a
SIGTERM to a pool process stops its job at once, as a kill does.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.2


def _job_requests() -> list[Any]:
    """The worker jobs (run on a worker, or executor-side tasks) this process runs now."""
    from celery.worker import state

    from executions.dispatch import RUN_TASK
    from executions.executor_tasks import LOCAL_TASK

    return [r for r in list(state.active_requests) if r.name in (RUN_TASK, LOCAL_TASK)]


def _anything_active() -> bool:
    from celery.worker import state

    return bool(state.active_requests)


class Drain:
    """The shutdown thread of one worker process."""

    def __init__(
        self, worker: Any, beat: Callable[[str], None], grace: float, interval: float
    ) -> None:
        self.worker = worker
        self.beat = beat  # beat(stopping): "stopping" while draining, "gone" at the very end
        self.grace = grace
        self.interval = interval
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, name="kestra-drain", daemon=True)
            self.thread.start()

    def run(self) -> None:
        deadline = time.monotonic() + self.grace
        next_beat = 0.0
        while _anything_active() and time.monotonic() < deadline:
            if time.monotonic() >= next_beat:
                self.beat("stopping")
                next_beat = time.monotonic() + self.interval
            time.sleep(POLL_SECONDS)
        left = _job_requests()
        for request in left:
            self.give_back(request)
        if left and not self._can_stop_jobs():
            logger.warning("this pool cannot stop one job: exiting after the grace period")
            self.beat("gone")
            os._exit(0)

    def _can_stop_jobs(self) -> bool:
        return type(self.worker.pool).__module__.endswith("prefork")

    def give_back(self, request: Any) -> None:
        """Stop one job and report its attempt lost, so it is resubmitted elsewhere now."""
        job = (request.args or [{}])[0]
        logger.warning(
            "shutdown grace of %ss over: stopping job %s and resubmitting it",
            self.grace,
            request.id,
        )
        try:
            request.acknowledge()  # the superseded attempt must not come back from the broker
        except Exception:
            logger.warning("could not acknowledge %s", request.id, exc_info=True)
        if self._can_stop_jobs():
            try:
                request.terminate(self.worker.pool, "SIGTERM")
            except Exception:
                logger.warning("could not stop %s", request.id, exc_info=True)
        if not isinstance(job, dict) or "task_run_id" not in job:
            return
        from executions import dispatch

        payload = {
            "execution_id": job["execution_id"],
            "task_run_id": job["task_run_id"],
            "attempt": job["attempt"],
            "worker_id": f"{self.worker.hostname}:{os.getpid()}",
        }
        try:
            self.worker.app.send_task(
                dispatch.LOST_TASK, args=[payload], queue=dispatch.EXECUTOR_QUEUE
            )
        except Exception:  # the heartbeat timeout still resubmits it
            logger.warning("could not report job %s", request.id, exc_info=True)
