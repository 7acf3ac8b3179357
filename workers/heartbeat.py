"""A Celery worker bootstep that heartbeats: who it is, which queues, which jobs it holds.

Sent every KESTRA_HEARTBEAT_SECONDS from the worker's main process (its timer), as a message
on queue `executor`; the worker needs no database for it.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from celery import bootsteps

logger = logging.getLogger(__name__)
HEARTBEAT_TASK = "executions.heartbeat"


def _held_jobs() -> list[str]:
    from celery.worker import state

    ids = {request.id for request in state.active_requests}
    ids.update(request.id for request in state.reserved_requests)
    return sorted(i for i in ids if i)


class Heartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.tref = None
        self.started = datetime.now(UTC).isoformat()

    def start(self, worker) -> None:
        from django.conf import settings

        interval = float(settings.KESTRA["HEARTBEAT_SECONDS"])
        self.tref = worker.timer.call_repeatedly(interval, self.beat, (worker,), priority=10)
        self.beat(worker)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def beat(self, worker) -> None:
        queues = sorted(worker.app.amqp.queues.consume_from or {})
        payload = {
            "worker_id": f"{worker.hostname}:{os.getpid()}",
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "queues": queues,
            "running": _held_jobs(),
            "started": self.started,
            "sent": datetime.now(UTC).isoformat(),
        }
        try:
            worker.app.send_task(HEARTBEAT_TASK, args=[payload], queue="executor")
        except Exception:  # a broker outage must not kill the worker; the next beat retries
            logger.warning("heartbeat not sent", exc_info=True)
