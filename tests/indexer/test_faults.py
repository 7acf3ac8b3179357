"""Faults: Elasticsearch refused, 429, 503, partial bulk failures, slow; nothing is lost and
versions only move forward. Also the write hooks: nothing recorded without Elasticsearch, one
outbox INSERT per executor transaction with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from executions.models import Execution, LogEntry
from indexer import drain
from indexer.models import OutboxEntry
from tests.indexer import data


def _due_now() -> None:
    """Skip the backoff wait (the test's clock is not the point)."""
    OutboxEntry.objects.update(available_at=timezone.now() - timedelta(seconds=1))


def _drain_until_empty(rounds: int = 20) -> None:
    for _ in range(rounds):
        _due_now()
        drain.drain()
        if not OutboxEntry.objects.exists():
            return
    raise AssertionError(
        f"backlog left: {list(OutboxEntry.objects.values_list('kind', 'last_error'))}"
    )


def _all_indexed(standin) -> None:
    assert standin.count("test_executions") == Execution.objects.count()
    assert standin.count("test_logs") == LogEntry.objects.count()
    assert standin.count("test_taskruns") == 10
    assert standin.count("test_flows") == 3


def test_nothing_recorded_with_the_database_backend(db, enqueued):
    data.build()
    assert OutboxEntry.objects.count() == 0 and enqueued == []


def test_refused_connection_keeps_the_backlog_then_drains(indexing):
    standin = indexing
    data.build()
    pending = OutboxEntry.objects.count()
    standin.stop()
    result = drain.drain()
    assert result.failed == pending and result.indexed == 0
    assert OutboxEntry.objects.count() == pending
    assert OutboxEntry.objects.filter(attempts=1).count() == pending
    assert "Connection" in drain.backlog()["lastError"]
    assert drain.drain().claimed == 0  # backing off: not due yet
    # Changes during the outage join the backlog; the newest state is what gets indexed.
    row = Execution.objects.get(id="e4")
    for state in ("KILLING", "KILLED"):
        row.state = state
        row.save()
    standin.start()
    _drain_until_empty()
    _all_indexed(standin)
    assert standin.source("test_executions", "e4")["state"] == "KILLED"
    assert standin.source("test_taskruns", "e4t0")["executionId"] == "e4"


@pytest.mark.parametrize("status", [429, 503])
def test_whole_request_errors_are_retried(indexing, status):
    standin = indexing
    data.build()
    drain.drain()
    assert OutboxEntry.objects.count() == 0
    # A later change meets an erroring server.
    Execution.objects.get(id="e1").save()
    standin.fail(status)
    assert drain.drain().failed == 1
    assert OutboxEntry.objects.get().attempts == 1 and str(status) in drain.backlog()["lastError"]
    standin.fail(None)
    _drain_until_empty()
    _all_indexed(standin)


def test_partial_bulk_failure_retries_only_the_failed_documents(indexing):
    standin = indexing
    data.build()
    rejected = {"e2", "e3t1"} | {str(i) for i in LogEntry.objects.values_list("id", flat=True)[:2]}
    standin.item_failure = lambda verb, index, doc_id: doc_id in rejected
    drain.drain()
    left = set(OutboxEntry.objects.values_list("kind", "object_id"))
    log_ids = {
        i
        for first, last in OutboxEntry.objects.filter(kind="logs").values_list(
            "first_id", "last_id"
        )
        for i in range(first, last + 1)
    }
    assert ("execution", "e2") in left and ("taskrun", "e3t1") in left
    assert ("execution", "e3") not in left  # e3 itself went through
    assert {str(i) for i in log_ids} == rejected - {"e2", "e3t1"}
    assert all(e.attempts == 1 for e in OutboxEntry.objects.all())
    before = len(standin.requests)
    standin.item_failure = None
    _drain_until_empty()
    bulk = [r for r in standin.requests[before:] if r[1].endswith("_bulk")]
    assert bulk  # the retry sent a bulk...
    _all_indexed(standin)


def test_slow_server_times_out_then_recovers(indexing, settings):
    standin = indexing
    settings.INDEXER = {**settings.INDEXER, "TIMEOUT_SECONDS": 0.5}
    from indexer import elastic

    elastic.forget()
    data.build()
    standin.delay = 2.0
    result = drain.drain()
    assert result.failed and OutboxEntry.objects.exists()
    standin.delay = 0.0
    _drain_until_empty()
    _all_indexed(standin)


def test_versions_only_move_forward(indexing):
    standin = indexing
    data.build()
    _drain_until_empty()
    row = Execution.objects.get(id="e4")
    old_version = standin.version("test_executions", "e4")
    row.state = "SUCCESS"
    row.save()
    _drain_until_empty()
    new_version = standin.version("test_executions", "e4")
    assert new_version > old_version
    assert standin.source("test_executions", "e4")["state"] == "SUCCESS"
    # A stale write (an old entry replayed after a newer one) cannot go back.
    from indexer import documents, elastic

    stale = {**documents.execution_doc(row), "state": "RUNNING"}
    response = elastic.client().bulk(
        operations=[
            {
                "index": {
                    "_index": "test_executions",
                    "_id": "e4",
                    "version": old_version,
                    "version_type": "external",
                }
            },
            stale,
        ]
    )
    assert response["items"][0]["index"]["status"] == 409
    assert standin.source("test_executions", "e4")["state"] == "SUCCESS"
    # Replaying the same entry is harmless (a conflict counts as done).
    OutboxEntry.objects.create(kind="execution", object_id="e4")
    _drain_until_empty()
    assert standin.version("test_executions", "e4") == new_version


def test_deleted_execution_leaves_the_index_with_its_children(indexing):
    standin = indexing
    data.build()
    _drain_until_empty()
    Execution.objects.get(id="e2").delete()
    _drain_until_empty()
    assert standin.source("test_executions", "e2") is None
    assert standin.count("test_taskruns") == 8
    assert standin.count("test_logs") == LogEntry.objects.count()


def test_executor_transaction_writes_the_outbox_once(indexing, enqueued):
    """A real executor run: each executor transaction inserts outbox rows in one statement,
    and the drain is enqueued after commit."""
    from executions import executor, services
    from flows import services as flow_services

    flow_services.flow_create(source=data.FLOWS["hello"])
    row = services.execution_create(namespace="company.team", flow_id="hello", inputs={})
    OutboxEntry.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        executor.execution_process(row.id)
    inserts = [
        q for q in queries.captured_queries if 'INSERT INTO "indexer_outboxentry"' in q["sql"]
    ]
    assert len(inserts) == 1
    kinds = set(OutboxEntry.objects.values_list("kind", flat=True))
    assert "execution" in kinds
    _drain_until_empty()
    assert (
        indexing.source("test_executions", row.id)["state"]
        == Execution.objects.get(id=row.id).state
    )


def test_backlog_is_visible_in_the_api_and_command(indexing, api):
    data.build()
    pending = OutboxEntry.objects.count()
    body = api.get("/api/v1/main/indexer/status").json()
    assert body["pending"] == pending and body["backend"] == "elasticsearch"
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("indexer", "status", stdout=out)
    assert f"pending: {pending}" in out.getvalue()
    metrics = api.get("/api/v1/main/indexer/metrics")
    assert metrics.status_code == 200
    assert f"kestra_indexer_backlog {pending}" in metrics.content.decode()


def test_search_before_anything_is_indexed_is_empty(indexing, api):
    for path in ("/logs/search", "/executions/search", "/flows/search", "/taskruns/search"):
        body = api.get("/api/v1/main" + path).json()
        assert body["total"] == 0 and body["results"] == [], path


def test_reindex_swaps_aliases_and_keeps_everything(indexing):
    standin = indexing
    data.build()
    _drain_until_empty()
    before = standin.store.resolve("test_executions")
    from io import StringIO

    from django.core.management import call_command

    call_command("indexer", "reindex", stdout=StringIO())
    after = standin.store.resolve("test_executions")
    assert before != after and len(after) == 1
    assert before[0] not in standin.store.indices  # the old generation is gone
    _drain_until_empty()
    _all_indexed(standin)
    call_command("indexer", "reindex", "--only", "logs", stdout=StringIO())
    assert standin.count("test_logs") == LogEntry.objects.count()


def test_admin_shows_the_backlog_and_retries(indexing, admin_client):
    data.build()
    OutboxEntry.objects.update(attempts=3, available_at=timezone.now() + timedelta(hours=1))
    assert drain.drain().claimed == 0  # all backing off
    page = admin_client.get("/admin/indexer/outboxentry/")
    assert page.status_code == 200
    assert f"{OutboxEntry.objects.count()} pending" in page.content.decode()
    response = admin_client.post(
        "/admin/indexer/outboxentry/",
        {
            "action": "retry_now",
            "_selected_action": list(OutboxEntry.objects.values_list("id", flat=True)),
        },
    )
    assert response.status_code == 302
    drain.drain()
    assert not OutboxEntry.objects.exists()
    _all_indexed(indexing)


def test_the_celery_task_drains(indexing):
    from indexer import tasks

    data.build()
    assert tasks.drain.queue == "indexer"
    result = tasks.drain()  # the task body, in this process (apply() would close the test DB)
    assert result["failed"] == 0 and result["indexed"] > 0
    assert not OutboxEntry.objects.exists()
    _all_indexed(indexing)
