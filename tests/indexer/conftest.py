"""Fixtures: the Elasticsearch stand-in, the indexer switched on against it, and a backend
parameter that runs the contract suite on the database, the stand-in, and a real
Elasticsearch when ELASTICSEARCH_URL is set."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.indexer.standin import StandIn

BACKENDS = ["database", "elasticsearch"] + (["real"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture
def standin():
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def enqueued(monkeypatch):
    """Drain wake-ups sent after commit (recorded instead of going to the broker)."""
    from indexer import tasks

    calls: list = []
    monkeypatch.setattr(tasks.drain, "apply_async", lambda *a, **k: calls.append(k))
    return calls


def _switch_on(settings, url: str, prefix: str):
    from indexer import elastic, receivers

    settings.INDEXER = {
        **settings.INDEXER,
        "BACKEND": "elasticsearch",
        "URL": url,
        "PREFIX": prefix,
        "TIMEOUT_SECONDS": 5.0,
    }
    elastic.forget()
    receivers.connect()


def _switch_off():
    from indexer import elastic, receivers

    receivers.disconnect()
    elastic.forget()


@pytest.fixture
def indexing(db, settings, standin, enqueued):
    """The Elasticsearch backend on, against the stand-in."""
    _switch_on(settings, standin.url, "test_")
    yield standin
    _switch_off()


@pytest.fixture(params=BACKENDS)
def backend(request, db, settings, enqueued):
    """A search backend name, with the indexer on for Elasticsearch (stand-in or real)."""
    name = request.param
    if name == "database":
        yield name
        return
    if name == "elasticsearch":
        server = StandIn().start()
        _switch_on(settings, server.url, "test_")
        yield name
        _switch_off()
        server.stop()
        return
    prefix = f"kestra_test_{uuid.uuid4().hex[:8]}_"
    _switch_on(settings, os.environ["ELASTICSEARCH_URL"], prefix)
    yield "elasticsearch"
    from indexer import elastic

    elastic.client().indices.delete(index=prefix + "*", ignore_unavailable=True)
    _switch_off()


def sync(name: str) -> None:
    """Make what was written searchable: drain the outbox (Elasticsearch backends)."""
    if name == "database":
        return
    from indexer import drain, elastic
    from indexer.models import OutboxEntry

    result = drain.drain()
    assert not result.errors, result.errors
    assert OutboxEntry.objects.count() == 0
    elastic.client().indices.refresh(index=elastic.conf.index_name("*"))
