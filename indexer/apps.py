"""The indexer app: connects its receivers when Elasticsearch is the search backend."""

from django.apps import AppConfig


class IndexerConfig(AppConfig):
    name = "indexer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from indexer import receivers, schedule

        receivers.connect()
        post_migrate.connect(schedule.ensure_periodic_drain, sender=self)
