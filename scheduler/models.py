"""State of Schedule (and polling) triggers, and one row per fired (trigger, date)."""

from django.db import models


class Trigger(models.Model):
    """One scheduled or polling trigger of a flow: where its clock stands (Kestra's trigger
    context)."""

    tenant = models.CharField(max_length=100, default="main")
    namespace = models.CharField(max_length=150)
    flow_id = models.CharField(max_length=100)
    trigger_id = models.CharField(max_length=100)
    # The trigger's type as written in the flow (Schedule, ScheduleOnDates, a polling trigger).
    type = models.CharField(max_length=200, blank=True, default="")
    # Polling triggers are evaluated on a worker of this group (blank: the default group).
    worker_group = models.CharField(max_length=100, blank=True, default="")
    # A polling evaluation is out on a worker since then: no second one is sent meanwhile.
    evaluating_since = models.DateTimeField(null=True, blank=True)
    # Per-kind state that has no column of its own (a polling trigger's last evaluation, ...).
    context = models.JSONField(default=dict, blank=True)
    flow_revision = models.PositiveIntegerField(default=1)
    # cron|withSeconds|timezone the dates below were computed for; a change resets next_date.
    schedule_key = models.CharField(max_length=300, default="")
    last_date = models.DateTimeField(null=True, blank=True)
    next_date = models.DateTimeField(null=True, blank=True)
    # Kestra's trigger-context `disabled`: set through the API, trigger.Toggle or `stopAfter`;
    # a flow save keeps it (Kestra keeps the context's flag when a flow changes).
    disabled = models.BooleanField(default=False)
    # Why `disabled` was last set (API, Toggle, stopAfter), for operators.
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    # The flow, or the trigger, says `disabled: true` in its source (kept by the flow's sync).
    source_disabled = models.BooleanField(default=False)
    # Kestra's backfill: {start, end, currentDate, inputs, labels, paused,
    # previousNextExecutionDate}; while present, it replaces the normal schedule.
    backfill = models.JSONField(null=True, blank=True)
    # The execution the last tick created: while it runs, the trigger is locked (Kestra's lock).
    execution_id = models.CharField(max_length=64, blank=True, default="")
    # A tick found the trigger locked; the missed dates are recovered once the execution ends.
    locked_since = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "namespace", "flow_id", "trigger_id"],
                name="scheduler_trigger_unique",
            )
        ]
        ordering = ["namespace", "flow_id", "trigger_id"]

    def __str__(self) -> str:
        return f"{self.namespace}.{self.flow_id}.{self.trigger_id}"

    @property
    def effectively_disabled(self) -> bool:
        return self.disabled or self.source_disabled

    @property
    def locked(self) -> bool:
        """Kestra's lock: an execution of this trigger runs, or an evaluation is out."""
        return bool(self.execution_id) or self.evaluating_since is not None


class ScheduledRun(models.Model):
    """A scheduled date that was fired: the unique key makes two beats fire a date once."""

    tenant = models.CharField(max_length=100, default="main")
    namespace = models.CharField(max_length=150)
    flow_id = models.CharField(max_length=100)
    trigger_id = models.CharField(max_length=100)
    scheduled_date = models.DateTimeField()
    execution_id = models.CharField(max_length=64, blank=True, default="")
    error = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "namespace", "flow_id", "trigger_id", "scheduled_date"],
                name="scheduler_run_unique_per_date",
            )
        ]
        ordering = ["-scheduled_date"]

    def __str__(self) -> str:
        return f"{self.namespace}.{self.flow_id}.{self.trigger_id} @ {self.scheduled_date}"
