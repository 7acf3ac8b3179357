"""Celery tasks of the indexer, on queue `indexer`: thin wrappers around the drain."""

from __future__ import annotations

import time

from celery import shared_task

from indexer import conf

_last_expiry = 0.0


@shared_task(name="indexer.drain", queue="indexer", ignore_result=True)
def drain() -> dict:
    """Drain the outbox (woken after commits, and periodically by beat as a safety net)."""
    global _last_expiry
    if not conf.enabled():
        return {}
    from indexer import drain as draining
    from indexer import elastic

    result = draining.drain()
    if time.monotonic() - _last_expiry > 3600 and not result.failed:
        _last_expiry = time.monotonic()
        try:
            elastic.expire_logs()
        except Exception:  # retention is best effort; it runs again in an hour
            _last_expiry = 0.0
    return {"indexed": result.indexed, "failed": result.failed}
