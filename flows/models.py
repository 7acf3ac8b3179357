"""Flows and their revisions; the YAML source is kept byte for byte."""

from django.conf import settings
from django.db import models


class Flow(models.Model):
    """The current revision of a flow; every saved change also lands in FlowRevision."""

    tenant = models.CharField(max_length=100, default="main")
    namespace = models.CharField(max_length=150)
    flow_id = models.CharField("id", max_length=100)
    revision = models.PositiveIntegerField(default=1)
    source = models.TextField()
    # The validated model as Kestra's JSON (camelCase keys), for the API and the executor.
    definition = models.JSONField(default=dict)
    description = models.TextField(blank=True, default="")
    labels = models.JSONField(default=list, blank=True)
    disabled = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    # Whether an enabled trigger.Flow listens to other executions: the executor looks only at
    # these flows when an execution changes state.
    has_flow_trigger = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "namespace", "flow_id"], name="flow_unique_per_namespace"
            )
        ]
        indexes = [models.Index(fields=["tenant", "namespace"])]
        ordering = ["namespace", "flow_id"]

    def __str__(self) -> str:
        return f"{self.namespace}.{self.flow_id}"

    @property
    def uid(self) -> str:
        return f"{self.namespace}.{self.flow_id}"


class FlowRevision(models.Model):
    """One immutable revision of a flow, deletions included (Kestra keeps them in history)."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    source = models.TextField()
    definition = models.JSONField(default=dict)
    disabled = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flow", "revision"], name="flow_revision_unique")
        ]
        ordering = ["flow", "revision"]

    def __str__(self) -> str:
        return f"{self.flow} rev {self.revision}"
