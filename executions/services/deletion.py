"""Deleting executions, their task runs, logs and files."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from executions.models import Execution
from executions.services.actions import locked
from executions.states import State
from kestra_site import storage
from kestra_site.errors import Conflict, InvalidInput

SYSTEM_PREFIX = "system."
CORRELATION_ID = "system.correlationId"


def _delete_storage(prefix: str) -> None:
    backend = storage.internal_storage()
    try:
        folders, files = backend.listdir(prefix)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        backend.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_storage(f"{prefix}/{folder}")


def execution_delete(
    execution_id: str, *, delete_storage: bool = True, include_non_terminated: bool = False
) -> None:
    """Delete an execution with its task runs and logs (and its files). A running one is
    refused unless `include_non_terminated` (late worker results for it are then dropped)."""
    with transaction.atomic():
        row, _ = locked(execution_id)
        if not State(row.state).is_terminal and not include_non_terminated:
            raise Conflict(
                f"Execution {execution_id} is {row.state}: kill it before deleting it",
                path="state",
            )
        prefix = storage.execution_prefix(row.namespace, row.flow_id, row.id)
        row.delete()
    if delete_storage:
        _delete_storage(prefix)


def executions_delete(
    ids: list[str], *, include_non_terminated: bool = False, delete_storage: bool = True
) -> int:
    """Delete several executions, all or none: unknown or running ones are named in a 422."""
    with transaction.atomic():
        rows = {r.id: r for r in Execution.objects.select_for_update().filter(pk__in=ids)}
        invalid = [
            f"{i}: execution not found"
            if i not in rows
            else f"{i}: execution not terminated ({rows[i].state})"
            for i in ids
            if i not in rows
            or (not State(rows[i].state).is_terminal and not include_non_terminated)
        ]
        if invalid:
            raise InvalidInput("invalid bulk delete: " + "; ".join(invalid), path="executionsId")
        for execution_id in ids:
            execution_delete(
                execution_id,
                delete_storage=delete_storage,
                include_non_terminated=include_non_terminated,
            )
    return len(ids)


def logs_delete(execution_id: str, **filters: Any) -> int:
    """Delete the logs of an execution (optionally only some: level, task run, task, attempt)."""
    from executions import selectors

    selectors.execution_get(execution_id)
    deleted, _ = selectors.logs_of_execution(execution_id, **filters).delete()
    return deleted
