"""End to end: a real Celery worker on queue `indexer` drains what committed writes recorded,
to the stand-in; with the stand-in down nothing is lost, and a later wake-up drains it all."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from executions.models import Execution, LogEntry
from indexer.models import OutboxEntry
from tests.indexer import data
from tests.indexer.conftest import _switch_off, _switch_on
from tests.indexer.standin import StandIn
from tests.processes import Cluster

pytestmark = pytest.mark.e2e


def _wait(predicate, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def indexer_worker(transactional_db, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("end-to-end tests need PostgreSQL (set DATABASE_URL)")
    standin = StandIn().start()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    nodes = Cluster(url, tmp_path)
    env = nodes.env(
        ELASTICSEARCH_URL=standin.url,
        KESTRA_SEARCH_BACKEND="elasticsearch",
        KESTRA_INDEX_PREFIX="test_",
        KESTRA_INDEXER_TIMEOUT_SECONDS="2",
    )
    _switch_on(settings, standin.url, "test_")
    try:
        nodes.add("indexer", "indexer", pool="threads", concurrency=2, env=env)
        nodes.wait_ready()
        yield standin
    finally:
        nodes.stop()
        _switch_off()
        standin.stop()


def test_a_celery_worker_drains_committed_changes(indexer_worker):
    standin = indexer_worker
    data.build()  # autocommit: each write commits and wakes the drain
    _wait(lambda: not OutboxEntry.objects.exists())
    assert standin.count("test_executions") == Execution.objects.count() == 5
    assert standin.count("test_logs") == LogEntry.objects.count()
    assert standin.count("test_flows") == 3

    standin.stop()
    row = Execution.objects.get(id="e4")
    row.state = "KILLED"
    row.save()  # the wake-up reaches the worker, whose bulk is refused
    _wait(lambda: OutboxEntry.objects.filter(attempts__gt=0).exists())
    assert OutboxEntry.objects.filter(kind="execution", object_id="e4").exists()
    standin.start()
    OutboxEntry.objects.update(available_at=OutboxEntry.objects.first().created)
    from indexer.tasks import drain

    drain.apply_async()  # what beat's periodic drain sends
    _wait(lambda: not OutboxEntry.objects.exists())
    assert standin.source("test_executions", "e4")["state"] == "KILLED"
