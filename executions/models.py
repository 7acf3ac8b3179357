"""Executions, task runs and logs: the rows behind the engine's snapshot."""

from __future__ import annotations

from django.db import models

from executions.states import State

STATE_CHOICES = [(s.value, s.value) for s in State]


class Execution(models.Model):
    """One run of a flow revision. Only the executor writes `state` and the task runs."""

    id = models.CharField(primary_key=True, max_length=32)
    tenant = models.CharField(max_length=100, default="main")
    namespace = models.CharField(max_length=150)
    flow_id = models.CharField(max_length=100)
    flow_revision = models.PositiveIntegerField(null=True)
    state = models.CharField(max_length=16, choices=STATE_CHOICES, default=State.CREATED.value)
    # Kestra's state histories: [{"state": ..., "date": ...}]
    state_histories = models.JSONField(default=list)
    start_date = models.DateTimeField(null=True)
    end_date = models.DateTimeField(null=True)
    inputs = models.JSONField(null=True, blank=True)
    outputs = models.JSONField(null=True, blank=True)
    labels = models.JSONField(default=list, blank=True)
    variables = models.JSONField(null=True, blank=True)
    trigger = models.JSONField(null=True, blank=True)
    parent_id = models.CharField(max_length=32, null=True, blank=True)
    original_id = models.CharField(max_length=32, null=True, blank=True)
    attempt_number = models.PositiveIntegerField(default=1)
    original_created_date = models.DateTimeField(null=True)
    schedule_date = models.DateTimeField(null=True, blank=True)
    # When the engine asked to be called again (retry date, pause delay); the sweeper uses it.
    wake_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "namespace", "flow_id", "-created"]),
            models.Index(fields=["state", "updated"]),
            models.Index(fields=["wake_at"]),
            models.Index(fields=["parent_id"]),
            models.Index(fields=["-start_date"]),
        ]
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.namespace}.{self.flow_id} {self.id} {self.state}"


class TaskRun(models.Model):
    """One run of one task (one per loop value), with its attempts as Kestra's JSON."""

    id = models.CharField(primary_key=True, max_length=32)
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="task_runs")
    position = models.PositiveIntegerField()
    task_id = models.CharField(max_length=100)
    parent_task_run_id = models.CharField(max_length=32, null=True, blank=True)
    value = models.TextField(null=True, blank=True)
    iteration = models.IntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=STATE_CHOICES)
    state_histories = models.JSONField(default=list)
    attempts = models.JSONField(default=list, blank=True)
    outputs = models.JSONField(null=True, blank=True)
    next_retry_date = models.DateTimeField(null=True, blank=True)
    resume_date = models.DateTimeField(null=True, blank=True)
    resume_state = models.CharField(max_length=16, null=True, blank=True)
    worker_group = models.CharField(max_length=100, null=True, blank=True)
    # What a flowable decided once (If branch, Switch case, ForEach values): engine bookkeeping.
    flowable = models.JSONField(null=True, blank=True)
    # Why the task run does not move, e.g. "waiting: no worker subscribed to queue gpu".
    status_reason = models.TextField(null=True, blank=True)
    start_date = models.DateTimeField(null=True)
    end_date = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["execution", "position"]),
            models.Index(fields=["task_id"]),
            models.Index(fields=["state"]),
        ]
        ordering = ["execution", "position"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.id} {self.state}"


class LogEntry(models.Model):
    """A log line of an execution, from a worker (task attempts) or the executor."""

    LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="logs")
    tenant = models.CharField(max_length=100, default="main")
    namespace = models.CharField(max_length=150)
    flow_id = models.CharField(max_length=100)
    task_run_id = models.CharField(max_length=32, null=True, blank=True)
    task_id = models.CharField(max_length=100, null=True, blank=True)
    attempt_number = models.PositiveIntegerField(null=True, blank=True)
    level = models.CharField(max_length=5, choices=[(level, level) for level in LEVELS])
    message = models.TextField()
    timestamp = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["execution", "timestamp"]),
            models.Index(fields=["namespace", "flow_id", "timestamp"]),
            models.Index(fields=["timestamp"]),
        ]
        ordering = ["timestamp", "id"]

    def __str__(self) -> str:
        return f"{self.timestamp} {self.level} {self.message[:60]}"

    @classmethod
    def of(
        cls,
        execution: Execution,
        *,
        level: str,
        message: str,
        timestamp,
        task_run_id: str | None = None,
        task_id: str | None = None,
        attempt_number: int | None = None,
    ) -> LogEntry:
        """A log line of `execution`, carrying its tenant, namespace and flow for search."""
        return cls(
            execution=execution,
            tenant=execution.tenant,
            namespace=execution.namespace,
            flow_id=execution.flow_id,
            task_run_id=task_run_id,
            task_id=task_id,
            attempt_number=attempt_number,
            level=level,
            message=message,
            timestamp=timestamp,
        )


class FlowTriggerFired(models.Model):
    """A flow trigger fired for one state change of one execution: the unique row that keeps
    any number of executors from starting the triggered flow twice."""

    source_execution_id = models.CharField(max_length=32)
    source_step = models.PositiveIntegerField()  # the state change: its index in the history
    namespace = models.CharField(max_length=150)
    flow_id = models.CharField(max_length=100)
    trigger_id = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_execution_id", "source_step", "namespace", "flow_id", "trigger_id"],
                name="flow_trigger_fired_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_execution_id}#{self.source_step} -> {self.flow_id}.{self.trigger_id}"


class FlowTriggerWindow(models.Model):
    """What a MultipleCondition (or a Flow trigger's preconditions) has seen in its window."""

    namespace = models.CharField(max_length=150)
    flow_id = models.CharField(max_length=100)
    trigger_id = models.CharField(max_length=100)
    condition_id = models.CharField(max_length=100)
    start = models.DateTimeField()
    end = models.DateTimeField()
    results = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "flow_id", "trigger_id", "condition_id"],
                name="flow_trigger_window_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.flow_id}.{self.trigger_id}.{self.condition_id} {self.start}..{self.end}"
