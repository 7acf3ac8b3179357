"""Elasticsearch documents (elasticsearch.dsl): mappings, index templates, and rows as documents.

Search answers with ids and the rows are read from the database by primary key, so the
documents hold only what is searched, sorted or aggregated on."""

from __future__ import annotations

from datetime import datetime

from elasticsearch.dsl import ComposableIndexTemplate, Date, Document, Double, Keyword, Long, Text

from indexer import conf

KINDS = ("flows", "executions", "taskruns", "logs")


class FlowDoc(Document):
    tenant = Keyword()
    namespace = Keyword()
    flowId = Keyword()
    description = Keyword()
    labels = Keyword()
    source = Text(analyzer="standard")
    revision = Long()
    created = Date()
    updated = Date()


class ExecutionDoc(Document):
    id = Keyword()
    tenant = Keyword()
    namespace = Keyword()
    flowId = Keyword()
    state = Keyword()
    labels = Keyword()
    parentId = Keyword()
    triggerType = Keyword()
    startDate = Date()
    endDate = Date()
    duration = Double()
    created = Date()


class TaskRunDoc(Document):
    id = Keyword()
    executionId = Keyword()
    tenant = Keyword()
    namespace = Keyword()
    flowId = Keyword()
    taskId = Keyword()
    state = Keyword()
    labels = Keyword()
    parentId = Keyword()
    startDate = Date()
    endDate = Date()
    duration = Double()
    created = Date()
    position = Long()


class LogDoc(Document):
    id = Long()
    tenant = Keyword()
    namespace = Keyword()
    flowId = Keyword()
    executionId = Keyword()
    taskId = Keyword()
    taskRunId = Keyword()
    level = Keyword()
    message = Text(analyzer="standard")
    timestamp = Date()


DOCUMENTS = {"flows": FlowDoc, "executions": ExecutionDoc, "taskruns": TaskRunDoc, "logs": LogDoc}


def templates() -> dict[str, ComposableIndexTemplate]:
    """One composable index template per kind, matching every generation of its indices."""
    found = {}
    for kind, document in DOCUMENTS.items():
        name = conf.index_name(kind)
        template = ComposableIndexTemplate(name, f"{name}-*", priority=100)
        template.settings(number_of_shards=1, refresh_interval="1s")
        template.document(document)
        found[name] = template
    return found


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(start, end) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def version_of(stamp: datetime) -> int:
    """Elasticsearch's external version of a row: its last change in microseconds."""
    return int(stamp.timestamp() * 1_000_000)


def labels_of(labels) -> list[str]:
    return [f"{item.get('key')}:{item.get('value')}" for item in labels or []]


def flow_doc(flow) -> dict:
    return {
        "tenant": flow.tenant,
        "namespace": flow.namespace,
        "flowId": flow.flow_id,
        "description": flow.description or "",
        "labels": labels_of(flow.labels),
        "source": flow.source,
        "revision": flow.revision,
        "created": _iso(flow.created),
        "updated": _iso(flow.updated),
    }


def execution_doc(row) -> dict:
    return {
        "id": row.id,
        "tenant": row.tenant,
        "namespace": row.namespace,
        "flowId": row.flow_id,
        "state": row.state,
        "labels": labels_of(row.labels),
        "parentId": row.parent_id,
        "triggerType": (row.trigger or {}).get("type"),
        "startDate": _iso(row.start_date),
        "endDate": _iso(row.end_date),
        "duration": _seconds(row.start_date, row.end_date),
        "created": _iso(row.created),
    }


def task_run_doc(execution, task_run) -> dict:
    return {
        "id": task_run.id,
        "executionId": execution.id,
        "tenant": execution.tenant,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "taskId": task_run.task_id,
        "state": task_run.state,
        "labels": labels_of(execution.labels),
        "parentId": execution.parent_id,
        "startDate": _iso(task_run.start_date),
        "endDate": _iso(task_run.end_date),
        "duration": _seconds(task_run.start_date, task_run.end_date),
        "created": _iso(execution.created),
        "position": task_run.position,
    }


def log_doc(entry) -> dict:
    return {
        "id": entry.pk,
        "tenant": entry.tenant,
        "namespace": entry.namespace,
        "flowId": entry.flow_id,
        "executionId": entry.execution_id,
        "taskId": entry.task_id,
        "taskRunId": entry.task_run_id,
        "level": entry.level,
        "message": entry.message,
        "timestamp": _iso(entry.timestamp),
    }
