"""Receivers of the executions app, connected once in AppConfig.ready()."""

from django.conf import settings


def ensure_sweeper(sender, **kwargs) -> None:
    """The executor's sweeper is a system PeriodicTask of django-celery-beat (visible in the
    admin); created or corrected after every migrate."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    seconds = max(1, int(settings.KESTRA["SWEEP_SECONDS"]))
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=seconds, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        name="kestra: executor sweeper",
        defaults={
            "task": "executions.sweep",
            "interval": interval,
            "queue": "executor",
            "enabled": True,
            "description": "System task: re-sends ticks for overdue executions.",
        },
    )
