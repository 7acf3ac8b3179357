"""Signal receivers: they only record outbox entries and enqueue the drain, never index."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save

from indexer import conf, hooks, signals
from indexer.models import OutboxEntry

logger = logging.getLogger(__name__)
Kind = OutboxEntry.Kind


def connect() -> None:
    """Connected at start-up only with the Elasticsearch backend: zero cost otherwise."""
    if not conf.enabled():
        return
    from executions.models import Execution, LogEntry, TaskRun
    from flows.models import Flow

    post_save.connect(flow_changed, sender=Flow, dispatch_uid="indexer.flow_saved")
    post_delete.connect(flow_changed, sender=Flow, dispatch_uid="indexer.flow_deleted")
    post_save.connect(execution_changed, sender=Execution, dispatch_uid="indexer.exec_saved")
    post_delete.connect(execution_changed, sender=Execution, dispatch_uid="indexer.exec_deleted")
    signals.rows_saved.connect(logs_saved, sender=LogEntry, dispatch_uid="indexer.logs")
    signals.rows_saved.connect(task_runs_saved, sender=TaskRun, dispatch_uid="indexer.taskruns")
    signals.changes_committed.connect(enqueue_drain, dispatch_uid="indexer.enqueue")


def disconnect() -> None:
    from executions.models import Execution, LogEntry, TaskRun
    from flows.models import Flow

    post_save.disconnect(sender=Flow, dispatch_uid="indexer.flow_saved")
    post_delete.disconnect(sender=Flow, dispatch_uid="indexer.flow_deleted")
    post_save.disconnect(sender=Execution, dispatch_uid="indexer.exec_saved")
    post_delete.disconnect(sender=Execution, dispatch_uid="indexer.exec_deleted")
    signals.rows_saved.disconnect(sender=LogEntry, dispatch_uid="indexer.logs")
    signals.rows_saved.disconnect(sender=TaskRun, dispatch_uid="indexer.taskruns")
    signals.changes_committed.disconnect(dispatch_uid="indexer.enqueue")


def flow_changed(sender, instance, **kwargs) -> None:
    hooks.record(Kind.FLOW, str(instance.pk))


def execution_changed(sender, instance, **kwargs) -> None:
    hooks.record(Kind.EXECUTION, instance.pk)


def task_runs_saved(sender, rows, **kwargs) -> None:
    for execution_id in {r.execution_id for r in rows}:
        hooks.record(Kind.EXECUTION, execution_id)


def logs_saved(sender, rows, **kwargs) -> None:
    by_execution: dict[str, list] = {}
    for row in rows:
        by_execution.setdefault(row.execution_id, []).append(row.pk)
    for execution_id, ids in by_execution.items():
        if any(i is None for i in ids):  # a database that does not return ids: all of them
            hooks.record(Kind.LOGS, execution_id)
        else:
            hooks.record(Kind.LOGS, execution_id, min(ids), max(ids))


def enqueue_drain(sender, **kwargs) -> None:
    """After commit: wake the drain. A lost message delays indexing only (beat re-sends)."""
    from indexer.tasks import drain

    try:
        drain.apply_async()
    except Exception:  # the broker down must not fail the write that already committed
        logger.warning("indexer: could not enqueue the drain; the periodic drain will run it")
