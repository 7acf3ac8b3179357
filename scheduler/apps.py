from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = "Scheduler"

    def ready(self) -> None:
        from scheduler import polling_tasks, tasks  # noqa: F401 (registers the tasks)
