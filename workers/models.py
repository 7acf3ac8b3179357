"""Live workers as their heartbeats describe them (written by the executor side, not workers)."""

from django.db import models


class WorkerInstance(models.Model):
    """A Celery worker process: the queues (worker groups) it serves and what it runs now."""

    worker_id = models.CharField(primary_key=True, max_length=255)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.JSONField(default=list)
    # Celery task ids `<task run id>:<attempt>` active or reserved at the last heartbeat.
    running = models.JSONField(default=list)
    started = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["worker_id"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({', '.join(self.queues)})"
