"""The Celery application shared by the executor, workers, beat and the indexer."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kestra_site.settings")

app = Celery("kestra_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connection before and after every task unless
# told to reuse it; a new PostgreSQL connection costs ~10 ms, half a task hop
# (PERFORMANCE.md). Reuse connections and let Django's own CONN_MAX_AGE and health checks
# decide, as it does around HTTP requests.
app.conf.CELERY_DB_REUSE_MAX = 1_000_000_000
app.autodiscover_tasks()


def _install_worker_steps() -> None:
    from workers.heartbeat import Heartbeat

    app.steps["worker"].add(Heartbeat)


_install_worker_steps()


@task_prerun.connect
@task_postrun.connect
def _recycle_old_connections(**kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()
