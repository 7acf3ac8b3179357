"""Executions: models, states, the pure engine, templating and the executor."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ExecutionsConfig(AppConfig):
    name = "executions"
    verbose_name = "Executions"

    def ready(self) -> None:
        from executions import executor_tasks, signals  # noqa: F401 (registers the tasks)

        post_migrate.connect(signals.ensure_sweeper, sender=self)
