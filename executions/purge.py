"""The repository reads and bulk deletes of execution.Count, PurgeExecutions and PurgeLogs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q

from executions.models import Execution, LogEntry
from executions.states import State
from kestra_site import storage

TERMINAL = [s.value for s in State if s.is_terminal]


def _in_namespace(namespace: str) -> Q:
    """A namespace and its sub-namespaces, as Kestra's execution queries match them."""
    return Q(namespace=namespace) | Q(namespace__startswith=namespace + ".")


@dataclass
class PurgeResult:
    executions_count: int = 0
    logs_count: int = 0
    storages_count: int = 0
    metrics_count: int = 0  # no metrics repository yet


def _delete_tree(prefix: str) -> int:
    """Delete every file under a storage folder; the number of files deleted."""
    backend = storage.internal_storage()
    try:
        folders, files = backend.listdir(prefix)
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0
    for name in files:
        backend.delete(f"{prefix}/{name}")
    return len(files) + sum(_delete_tree(f"{prefix}/{folder}") for folder in folders)


def executions_purge(
    *,
    end_date: datetime,
    start_date: datetime | None = None,
    namespace: str | None = None,
    flow_id: str | None = None,
    states: list[str] | None = None,
    purge_execution: bool = True,
    purge_log: bool = True,
    purge_storage: bool = True,
    exclude: str | None = None,
    on_each: Callable[[Execution], None] | None = None,
) -> PurgeResult:
    """Purge ended executions started in [start_date, end_date]: their rows, logs and files.

    Executions still running are never purged (their executor may hold them), nor `exclude`
    (the execution running the purge)."""
    rows = Execution.objects.filter(state__in=TERMINAL, start_date__lte=end_date)
    if start_date is not None:
        rows = rows.filter(start_date__gte=start_date)
    if namespace:
        rows = rows.filter(_in_namespace(namespace))
    if flow_id:
        rows = rows.filter(flow_id=flow_id)
    if states:
        rows = rows.filter(state__in=states)
    if exclude:
        rows = rows.exclude(pk=exclude)
    result = PurgeResult()
    for row in rows.iterator(chunk_size=500):
        with transaction.atomic():
            if purge_log:
                result.logs_count += LogEntry.objects.filter(execution_id=row.id).delete()[0]
            if purge_execution:
                _, by_model = Execution.objects.filter(pk=row.id).delete()
                result.executions_count += by_model.get("executions.Execution", 0)
        if purge_storage:
            prefix = storage.execution_prefix(row.namespace, row.flow_id, row.id)
            result.storages_count += _delete_tree(prefix)
        if on_each:
            on_each(row)
    return result


def logs_purge(
    *,
    end_date: datetime,
    start_date: datetime | None = None,
    namespace: str | None = None,
    flow_id: str | None = None,
    levels: list[str] | None = None,
) -> int:
    """Delete the log lines in [start_date, end_date] of a namespace (exact, as Kestra), a flow,
    some levels; the number of lines deleted."""
    rows = LogEntry.objects.filter(timestamp__lte=end_date)
    if start_date is not None:
        rows = rows.filter(timestamp__gte=start_date)
    if namespace:
        rows = rows.filter(namespace=namespace)
    if flow_id:
        rows = rows.filter(flow_id=flow_id)
    if levels:
        rows = rows.filter(level__in=levels)
    return int(rows.delete()[0])


def execution_counts(
    *,
    start_date: datetime,
    end_date: datetime,
    flows: list[tuple[str, str]] | None = None,
    namespaces: list[str] | None = None,
    states: list[str] | None = None,
) -> list[tuple[str, str | None, int]]:
    """(namespace, flow id, count) of executions started in the range: one per flow asked
    (0 when none), then one per namespace asked (flow id None), as Kestra's repository does."""
    rows = Execution.objects.filter(start_date__gte=start_date, start_date__lte=end_date)
    if states:
        rows = rows.filter(state__in=states)
    wanted = Q(pk__in=[])
    for namespace, flow_id in flows or []:
        wanted |= Q(namespace=namespace, flow_id=flow_id)
    for namespace in namespaces or []:
        wanted |= Q(namespace=namespace)
    grouped = {
        (item["namespace"], item["flow_id"]): item["n"]
        for item in rows.filter(wanted).values("namespace", "flow_id").annotate(n=Count("id"))
    }
    counts: list[tuple[str, str | None, int]] = [
        (namespace, flow_id, grouped.get((namespace, flow_id), 0))
        for namespace, flow_id in flows or []
    ]
    if namespaces is not None:
        by_namespace: dict[str, int] = {}
        for (namespace, _), n in grouped.items():
            if namespace in namespaces:
                by_namespace[namespace] = by_namespace.get(namespace, 0) + n
        counts += [(namespace, None, n) for namespace, n in by_namespace.items()]
    return counts
