"""A Celery worker bootstep that heartbeats: who it is, which queues, which jobs it holds.

Sent every KESTRA_HEARTBEAT_SECONDS from the worker's main process (its timer), as a message
on queue `executor`; the worker needs no database for it. On a warm shutdown (SIGTERM) it
keeps beating while running jobs drain (workers.shutdown), then says it is gone.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from celery import bootsteps, signals

from workers.shutdown import Drain

logger = logging.getLogger(__name__)
HEARTBEAT_TASK = "executions.heartbeat"


def _held_jobs() -> list[str]:
    from celery.worker import state

    ids = {request.id for request in state.active_requests}
    ids.update(request.id for request in state.reserved_requests)
    return sorted(i for i in ids if i)


class Heartbeat(bootsteps.StartStopStep):
    """Heartbeats, and the warm shutdown (workers.shutdown) that keeps beating while it drains."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.tref = None
        self.started = datetime.now(UTC).isoformat()
        self.drain: Drain | None = None

    def start(self, worker) -> None:
        from django.conf import settings

        interval = float(settings.KESTRA["HEARTBEAT_SECONDS"])
        self.tref = worker.timer.call_repeatedly(interval, self.beat, (worker,), priority=10)
        self.beat(worker)
        self.drain = Drain(
            worker,
            lambda stopping: self.beat(worker, stopping),
            float(settings.KESTRA["WORKER_SHUTDOWN_GRACE_SECONDS"]),
            interval,
        )
        signals.worker_shutting_down.connect(self._shutting_down, weak=False)
        signals.worker_shutdown.connect(self._shut_down, weak=False)

    def _shutting_down(self, sig=None, how=None, **kwargs) -> None:
        if how == "Warm" and self.drain is not None:
            self.drain.start()

    def _shut_down(self, sender=None, **kwargs) -> None:
        if self.drain is not None and self.drain.thread is not None:
            self.beat(sender, "gone")  # not serving any group any more, say so now

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def beat(self, worker, stopping: str | None = None) -> None:
        """Send a heartbeat; while `stopping`, with no queues (it takes no new job)."""
        queues = [] if stopping else sorted(worker.app.amqp.queues.consume_from or {})
        payload = {
            "worker_id": f"{worker.hostname}:{os.getpid()}",
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "queues": queues,
            "running": _held_jobs(),
            "started": self.started,
            "sent": datetime.now(UTC).isoformat(),
            "stopping": stopping,
        }
        try:
            worker.app.send_task(HEARTBEAT_TASK, args=[payload], queue="executor")
        except Exception:  # a broker outage must not kill the worker; the next beat retries
            logger.warning("heartbeat not sent", exc_info=True)
