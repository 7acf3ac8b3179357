"""Workers: the Celery tasks that run plugins, worker groups and heartbeats."""

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = "Workers"
