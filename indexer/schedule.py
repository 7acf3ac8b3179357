"""The periodic drain: a system PeriodicTask of django-celery-beat, kept after migrate."""

from __future__ import annotations

import os

from indexer import conf


def ensure_periodic_drain(sender, **kwargs) -> None:
    """Beat re-sends the drain so a lost wake-up or an outage only delays indexing."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    name = "kestra: indexer drain"
    if not conf.enabled():
        PeriodicTask.objects.filter(name=name).update(enabled=False)
        return
    seconds = int(os.environ.get("KESTRA_INDEXER_DRAIN_SECONDS", "10"))
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=max(1, seconds), period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": "indexer.drain",
            "interval": interval,
            "queue": "indexer",
            "enabled": True,
            "description": "System task: drains the indexer outbox to Elasticsearch.",
        },
    )
