"""Draining the outbox: read the current rows, bulk them to Elasticsearch, keep what failed.

Safe to run anywhere, any number of times, side by side (entries are claimed with SKIP
LOCKED); versions are external (a row's last change), so a late or repeated write never
replaces a newer document. A failed bulk keeps its entries with a backoff; a partial failure
keeps only the failed documents."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from elasticsearch import ApiError, TransportError

from indexer import conf, documents, elastic
from indexer.models import OutboxEntry

logger = logging.getLogger(__name__)
Kind = OutboxEntry.Kind
MAX_BACKOFF_SECONDS = 300


@dataclass
class Op:
    """One bulk operation and the outbox entry that retries it alone."""

    header: dict
    source: dict | None
    retry: tuple[str, str, int | None, int | None]


@dataclass
class Work:
    entry: OutboxEntry
    ops: list[Op] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)  # executions gone: clear their children


@dataclass
class DrainResult:
    claimed: int = 0
    indexed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def backlog() -> dict:
    """The outbox's size and age: what the status command, API and admin show."""
    rows = OutboxEntry.objects.all()
    oldest = rows.order_by("created").values_list("created", flat=True).first()
    now = datetime.now(UTC)
    return {
        "backend": conf.backend_name(),
        "pending": rows.count(),
        "retrying": rows.filter(attempts__gt=0).count(),
        "oldestCreated": oldest.isoformat().replace("+00:00", "Z") if oldest else None,
        "lagSeconds": round((now - oldest).total_seconds(), 3) if oldest else 0.0,
        "lastError": rows.exclude(last_error="")
        .order_by("-id")
        .values_list("last_error", flat=True)
        .first(),
    }


def _index_op(index: str, doc_id: str, version: int, source: dict, retry) -> Op:
    header = {
        "index": {"_index": index, "_id": doc_id, "version": version, "version_type": "external"}
    }
    return Op(header, source, retry)


def _delete_op(index: str, doc_id: str, retry) -> Op:
    version = documents.version_of(datetime.now(UTC))
    header = {
        "delete": {"_index": index, "_id": doc_id, "version": version, "version_type": "external"}
    }
    return Op(header, None, retry)


def _plan(entries: list[OutboxEntry]) -> list[Work]:
    """The bulk operations of each entry, from the rows as they are now."""
    from executions.models import Execution, LogEntry, TaskRun
    from flows.models import Flow

    works = [Work(e) for e in entries]
    of_kind = {kind: [w for w in works if w.entry.kind == kind] for kind in Kind.values}
    flows = Flow.objects.in_bulk([int(w.entry.object_id) for w in of_kind[Kind.FLOW]])
    flow_alias = elastic.write_index("flows") if of_kind[Kind.FLOW] else ""
    for work in of_kind[Kind.FLOW]:
        retry = (Kind.FLOW, work.entry.object_id, None, None)
        flow = flows.get(int(work.entry.object_id))
        if flow is None or flow.deleted:
            work.ops.append(_delete_op(flow_alias, work.entry.object_id, retry))
        else:
            version = documents.version_of(flow.updated)
            doc = documents.flow_doc(flow)
            work.ops.append(_index_op(flow_alias, work.entry.object_id, version, doc, retry))

    execution_ids = {w.entry.object_id for w in of_kind[Kind.EXECUTION]}
    task_run_ids = {w.entry.object_id for w in of_kind[Kind.TASK_RUN]}
    runs = list(TaskRun.objects.filter(Q(execution_id__in=execution_ids) | Q(id__in=task_run_ids)))
    execution_ids |= {r.execution_id for r in runs}
    executions = Execution.objects.in_bulk(list(execution_ids))
    by_execution: dict[str, list] = {}
    for run in runs:
        by_execution.setdefault(run.execution_id, []).append(run)
    if of_kind[Kind.EXECUTION] or of_kind[Kind.TASK_RUN]:
        exec_alias, run_alias = elastic.write_index("executions"), elastic.write_index("taskruns")
    for work in of_kind[Kind.EXECUTION]:
        row = executions.get(work.entry.object_id)
        if row is None:
            retry = (Kind.EXECUTION, row_id := work.entry.object_id, None, None)
            work.ops.append(_delete_op(exec_alias, row_id, retry))
            work.deletes.append(row_id)
            continue
        version = documents.version_of(row.updated)
        work.ops.append(
            _index_op(
                exec_alias,
                row.id,
                version,
                documents.execution_doc(row),
                (Kind.EXECUTION, row.id, None, None),
            )
        )
        for run in by_execution.get(row.id, []):
            doc = documents.task_run_doc(row, run)
            retry = (Kind.TASK_RUN, run.id, None, None)
            work.ops.append(_index_op(run_alias, run.id, version, doc, retry))
    found_runs = {r.id: r for r in runs}
    for work in of_kind[Kind.TASK_RUN]:
        run = found_runs.get(work.entry.object_id)
        row = executions.get(run.execution_id) if run else None
        if run is None or row is None:
            continue  # gone: its execution's entry removes it
        version = documents.version_of(row.updated)
        retry = (Kind.TASK_RUN, run.id, None, None)
        work.ops.append(
            _index_op(run_alias, run.id, version, documents.task_run_doc(row, run), retry)
        )

    generation = elastic.logs_generation() if of_kind[Kind.LOGS] else ""
    for work in of_kind[Kind.LOGS]:
        entry = work.entry
        logs = LogEntry.objects.filter(execution_id=entry.object_id)
        if entry.first_id is not None:
            logs = logs.filter(id__gte=entry.first_id, id__lte=entry.last_id)
        for log in logs.order_by("id"):
            index = elastic.log_index(log.timestamp, generation)
            retry = (Kind.LOGS, entry.object_id, log.pk, log.pk)
            work.ops.append(_index_op(index, str(log.pk), 1, documents.log_doc(log), retry))
    return works


def _ok(kind: str, item: dict) -> bool:
    status = item.get("status", 500)
    # 409: a newer version is already there; a delete of a missing document is done too.
    return status < 300 or status == 409 or (kind == "delete" and status == 404)


def _error_text(item: dict) -> str:
    error = item.get("error")
    if isinstance(error, dict):
        return f"{item.get('status')} {error.get('type')}: {error.get('reason')}"
    return f"{item.get('status')} {error}"


def _send(works: list[Work]) -> dict[int, list[tuple[Op, str]]]:
    """Bulk everything; returns, per entry id, the operations that failed and why."""
    ops = [(w.entry.id, op) for w in works for op in w.ops]
    failed: dict[int, list[tuple[Op, str]]] = {}
    if ops:
        body: list[dict] = []
        for _, op in ops:
            body.append(op.header)
            if op.source is not None:
                body.append(op.source)
        response = elastic.client().bulk(operations=body)
        for (entry_id, op), item in zip(ops, response["items"], strict=True):
            kind, result = next(iter(item.items()))
            if not _ok(kind, result):
                failed.setdefault(entry_id, []).append((op, _error_text(result)))
    for work in works:
        for execution_id in work.deletes:
            query = {"term": {"executionId": execution_id}}
            for kind in ("taskruns", "logs"):
                try:
                    elastic.client().delete_by_query(
                        index=conf.index_name(kind), query=query, conflicts="proceed"
                    )
                except ApiError as error:
                    if error.meta.status != 404:
                        raise
    return failed


def drain_once(limit: int | None = None) -> DrainResult:
    """Claim up to `limit` due entries, index them, keep the failures for later."""
    limit = limit or conf.options()["BATCH_SIZE"]
    result = DrainResult()
    now = datetime.now(UTC)
    with transaction.atomic():
        entries = list(
            OutboxEntry.objects.select_for_update(skip_locked=True)
            .filter(available_at__lte=now)
            .order_by("id")[:limit]
        )
        result.claimed = len(entries)
        if not entries:
            return result
        try:
            works = _plan(entries)
            failed = _send(works)
        except (TransportError, ApiError, OSError) as error:
            text = f"{type(error).__name__}: {error}"[:2000]
            _postpone(entries, text, now)
            result.failed = len(entries)
            result.errors.append(text)
            logger.warning("indexer: bulk of %d entries failed: %s", len(entries), text)
            return result
        done = [w.entry.id for w in works if w.entry.id not in failed]
        OutboxEntry.objects.filter(id__in=done).delete()
        result.indexed = len(done)
        for work in works:
            if work.entry.id in failed:
                _keep_failed(work, failed[work.entry.id], now)
                result.failed += 1
                result.errors.extend(text for _, text in failed[work.entry.id][:1])
    return result


def _postpone(entries: list[OutboxEntry], error: str, now: datetime) -> None:
    for entry in entries:
        entry.attempts += 1
        entry.available_at = now + backoff(entry.attempts)
        entry.last_error = error
    OutboxEntry.objects.bulk_update(entries, ["attempts", "available_at", "last_error"])


def _keep_failed(work: Work, failed: list[tuple[Op, str]], now: datetime) -> None:
    """Replace the entry by entries for its failed documents only."""
    entry = work.entry
    if len(failed) == len(work.ops):
        _postpone([entry], failed[0][1], now)
        return
    attempts = entry.attempts + 1
    retries = {op.retry: text for op, text in failed}
    OutboxEntry.objects.filter(id=entry.id).delete()
    OutboxEntry.objects.bulk_create(
        OutboxEntry(
            kind=kind,
            object_id=object_id,
            first_id=first,
            last_id=last,
            created=entry.created,
            attempts=attempts,
            available_at=now + backoff(attempts),
            last_error=text,
        )
        for (kind, object_id, first, last), text in retries.items()
    )


def drain(max_batches: int = 100) -> DrainResult:
    """Drain until the due backlog is empty, a batch fails, or `max_batches` ran."""
    total = DrainResult()
    for _ in range(max_batches):
        result = drain_once()
        total.claimed += result.claimed
        total.indexed += result.indexed
        total.failed += result.failed
        total.errors += result.errors
        if result.claimed == 0 or result.failed:
            break
    return total
