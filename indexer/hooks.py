"""Recording outbox entries: immediately, or collected over a block and written at its end.

The executor wraps each transaction in `batch()`, so however many rows it writes, the outbox
costs one INSERT, and the drain is enqueued once, after commit. With the database backend
nothing is recorded and `batch()` costs a settings lookup."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from indexer import conf, signals
from indexer.models import OutboxEntry

_local = threading.local()


def _key(kind: str, object_id: str) -> tuple[str, str]:
    return (kind, object_id)


def record(kind: str, object_id: str, first_id: int | None = None, last_id=None) -> None:
    """Note that a document changed (logs: a range of one execution's log ids)."""
    pending: dict | None = getattr(_local, "batch", None)
    if pending is None:
        _write({_key(kind, object_id): (first_id, last_id)})
        return
    key = _key(kind, object_id)
    if key in pending and kind == OutboxEntry.Kind.LOGS:
        old_first, old_last = pending[key]
        if old_first is None or first_id is None:
            first_id = last_id = None  # the whole execution's logs
        else:
            first_id, last_id = min(old_first, first_id), max(old_last, last_id)
    pending[key] = (first_id, last_id)


@contextmanager
def batch() -> Iterator[None]:
    """Collect what the block records; write it in one statement when the block ends well."""
    if not conf.enabled() or getattr(_local, "batch", None) is not None:
        yield
        return
    pending: dict = {}
    _local.batch = pending
    try:
        yield
    finally:
        _local.batch = None
    if pending:
        _write(pending)


def _write(pending: dict) -> None:
    OutboxEntry.objects.bulk_create(
        OutboxEntry(kind=kind, object_id=object_id, first_id=first, last_id=last)
        for (kind, object_id), (first, last) in pending.items()
    )
    if not any(callback is _committed for _, callback, *_ in connection.run_on_commit):
        transaction.on_commit(_committed)


def _committed() -> None:
    signals.changes_committed.send(sender=OutboxEntry)
