"""The outbox: what must be (re)indexed, written in the transaction that changed it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxEntry(models.Model):
    """One document (or, for logs, a range of one execution's log rows) to push to the index.

    The drain reads the current rows, so an entry says *what* changed, never *how*."""

    class Kind(models.TextChoices):
        FLOW = "flow"  # object_id: the Flow's primary key
        EXECUTION = "execution"  # object_id: the execution id (its task runs come along)
        TASK_RUN = "taskrun"  # object_id: a task run id (a retry of one failed document)
        LOGS = "logs"  # object_id: the execution id; first_id..last_id: LogEntry ids

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.CharField(max_length=64)
    first_id = models.BigIntegerField(null=True, blank=True)
    last_id = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["available_at", "id"])]
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox (indexing backlog)"

    def __str__(self) -> str:
        span = f" {self.first_id}..{self.last_id}" if self.first_id is not None else ""
        return f"{self.kind} {self.object_id}{span}"
