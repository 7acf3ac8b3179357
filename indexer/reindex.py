"""Rebuilding the indices from the database into a new generation, then swapping aliases.

Searches keep answering from the old generation until the swap; what changed during the
rebuild is recorded in the outbox afterwards, so the drain brings the new generation up to
date (external versions keep the newest)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.db import transaction

from indexer import conf, documents, elastic, hooks
from indexer.models import OutboxEntry

CHUNK = 1000
GROUPS = {"flows": ("flows",), "executions": ("executions", "taskruns"), "logs": ("logs",)}


def _bulk(ops: Iterable[tuple[dict, dict]]) -> int:
    sent, body = 0, []
    es = elastic.client()
    for header, source in ops:
        body += [header, source]
        if len(body) >= 2 * CHUNK:
            sent += _flush(es, body)
            body = []
    if body:
        sent += _flush(es, body)
    return sent


def _flush(es, body: list) -> int:
    response = es.bulk(operations=body)
    failed = [
        item
        for item in response["items"]
        for r in item.values()
        if r.get("status", 500) >= 300 and r.get("status") != 409
    ]
    if failed:
        raise RuntimeError(f"reindex: {len(failed)} documents failed, first: {failed[0]}")
    return len(body) // 2


def _op(index: str, doc_id, version: int, source: dict) -> tuple[dict, dict]:
    meta = {"_index": index, "_id": str(doc_id), "version": version, "version_type": "external"}
    return {"index": meta}, source


def _flows(index: str) -> Iterator:
    from flows.models import Flow

    for flow in Flow.objects.filter(deleted=False).iterator(chunk_size=CHUNK):
        yield _op(index, flow.pk, documents.version_of(flow.updated), documents.flow_doc(flow))


def _executions(index: str, runs_index: str) -> Iterator:
    from executions.models import Execution, TaskRun

    batch: list = []
    for row in Execution.objects.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) >= CHUNK:
            yield from _execution_batch(batch, index, runs_index, TaskRun)
            batch = []
    yield from _execution_batch(batch, index, runs_index, TaskRun)


def _execution_batch(rows, index, runs_index, task_run_model) -> Iterator:
    by_id = {r.id: r for r in rows}
    for row in rows:
        yield _op(index, row.id, documents.version_of(row.updated), documents.execution_doc(row))
    for run in task_run_model.objects.filter(execution_id__in=list(by_id)):
        row = by_id[run.execution_id]
        doc = documents.task_run_doc(row, run)
        yield _op(runs_index, run.id, documents.version_of(row.updated), doc)


def _logs(generation: str, created: set[str], up_to: int) -> Iterator:
    from executions.models import LogEntry

    for log in LogEntry.objects.filter(id__lte=up_to).iterator(chunk_size=CHUNK * 5):
        index = elastic.log_index(log.timestamp, generation, alias=False)
        created.add(index)
        yield _op(index, log.pk, 1, documents.log_doc(log))


def reindex(only: str | None = None, out=print) -> dict:
    from executions.models import Execution, LogEntry
    from flows.models import Flow

    if not conf.enabled():
        raise RuntimeError("reindex needs KESTRA_SEARCH_BACKEND=elasticsearch")
    groups = [only] if only else list(GROUPS)
    elastic.ensure_templates(force=True)
    generation = elastic.new_generation()
    started = datetime.now(UTC)
    last_log = LogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    counts: dict[str, int] = {}
    for group in groups:
        if group == "logs":
            created: set[str] = set()
            counts["logs"] = _bulk(_logs(generation, created, last_log))
            new = {conf.index_name("logs"): sorted(created)}
        else:
            names = {kind: f"{conf.index_name(kind)}-{generation}" for kind in GROUPS[group]}
            for name in names.values():
                elastic.create_index(name)
            if group == "flows":
                counts["flows"] = _bulk(_flows(names["flows"]))
            else:
                counts["executions"] = _bulk(_executions(names["executions"], names["taskruns"]))
            new = {conf.index_name(kind): [name] for kind, name in names.items()}
        for alias, indices in new.items():
            if not indices:
                continue
            for old in elastic.swap_alias(alias, indices):
                elastic.client().indices.delete(index=old)
            out(f"{alias}: {len(indices)} index(es) of generation {generation}")
    elastic.forget()
    # Catch up with what changed while the rebuild ran.
    with transaction.atomic(), hooks.batch():
        if "flows" in groups:
            for pk in Flow.objects.filter(updated__gte=started).values_list("pk", flat=True):
                hooks.record(OutboxEntry.Kind.FLOW, str(pk))
        if "executions" in groups:
            for pk in Execution.objects.filter(updated__gte=started).values_list("pk", flat=True):
                hooks.record(OutboxEntry.Kind.EXECUTION, pk)
        if "logs" in groups:
            for execution_id in (
                LogEntry.objects.filter(id__gt=last_log).values_list("execution_id", flat=True)
            ).distinct():
                hooks.record(OutboxEntry.Kind.LOGS, execution_id, last_log + 1, 2**62)
    return counts
