"""Reads of executions, task runs and logs (search, filters, paging)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from access.rules import scope_q
from executions.models import Execution, LogEntry, TaskRun
from executions.states import State
from flows.selectors import namespace_q
from kestra_site.errors import InvalidInput, NotFound
from kestra_site.query import PREFIX_IN, Search

SORTABLE = {
    "id": "id",
    "namespace": "namespace",
    "flowId": "flow_id",
    "state.current": "state",
    "state": "state",
    "state.startDate": "start_date",
    "startDate": "start_date",
    "state.endDate": "end_date",
    "endDate": "end_date",
    "state.duration": "end_date",
    "created": "created",
}
LOG_SORTABLE = {"timestamp": "timestamp", "level": "level", "namespace": "namespace"}
LEVELS = LogEntry.LEVELS


def executions_all() -> QuerySet[Execution]:
    return Execution.objects.filter(tenant=settings.KESTRA["TENANT"])


def execution_get(execution_id: str) -> Execution:
    row = executions_all().filter(pk=execution_id).first()
    if row is None:
        raise NotFound(f"Execution not found: {execution_id}")
    return row


def task_runs_of(execution: Execution) -> list[TaskRun]:
    return list(TaskRun.objects.filter(execution=execution).order_by("position"))


def task_runs_by_execution(ids: list[str]) -> dict[str, list[TaskRun]]:
    """The task runs of many executions in one query (for search pages)."""
    found: dict[str, list[TaskRun]] = {i: [] for i in ids}
    for task_run in TaskRun.objects.filter(execution_id__in=ids).order_by("execution", "position"):
        found[task_run.execution_id].append(task_run)
    return found


def parse_date(value: str, path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as error:
        raise InvalidInput(f"must be an ISO 8601 date, got {value!r}", path=path) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _date_q(field: str, op: str, value: str, path: str) -> Q:
    when = parse_date(value, path)
    lookup = {
        "GREATER_THAN": "gt",
        "GREATER_THAN_OR_EQUAL_TO": "gte",
        "LESS_THAN": "lt",
        "LESS_THAN_OR_EQUAL_TO": "lte",
        "EQUALS": "exact",
    }.get(op)
    if lookup is None:
        raise InvalidInput(f"unsupported operation {op} on a date", path=path)
    return Q(**{f"{field}__{lookup}": when})


def _text_q(field: str, op: str, value: str) -> Q:
    if op in ("IN", "NOT_IN"):
        q = Q(**{f"{field}__in": [v for v in value.split(",") if v]})
        return ~q if op == "NOT_IN" else q
    suffix = {
        "PREFIX": "__startswith",
        "STARTS_WITH": "__startswith",
        "ENDS_WITH": "__endswith",
        "CONTAINS": "__icontains",
        "REGEX": "__regex",
    }.get(op, "")
    q = Q(**{f"{field}{suffix}": value})
    return ~q if op == "NOT_EQUALS" else q


def _states(value: str, path: str) -> list[str]:
    states = [v.strip().upper() for v in value.split(",") if v.strip()]
    for state in states:
        if state not in State.__members__:
            raise InvalidInput(f"unknown state {state}", path=path)
    return states


def _execution_q(name: str, op: str, value: str) -> Q:
    path = f"filters[{name}]"
    if name == "q":
        return Q(id__icontains=value) | Q(flow_id__icontains=value) | Q(namespace__icontains=value)
    if name == "namespace" and op == PREFIX_IN:
        return scope_q("namespace", value)
    if name == "namespace":
        return (
            namespace_q("namespace", value) if op == "PREFIX" else _text_q("namespace", op, value)
        )
    if name == "flowId":
        return _text_q("flow_id", op, value)
    if name in ("id", "executionId"):
        return _text_q("id", op, value)
    if name == "state":
        q = Q(state__in=_states(value, path))
        return ~q if op in ("NOT_EQUALS", "NOT_IN") else q
    if name == "startDate":
        return _date_q(
            "start_date", op if op != "EQUALS" else "GREATER_THAN_OR_EQUAL_TO", value, path
        )
    if name == "endDate":
        return _date_q("start_date", op if op != "EQUALS" else "LESS_THAN_OR_EQUAL_TO", value, path)
    if name in ("parentId", "triggerExecutionId"):
        return Q(parent_id=value)
    if name == "childFilter":
        return Q(parent_id__isnull=value.upper() != "CHILD")
    if name == "timeRange":
        return Q(start_date__gte=_since(value))
    if name in ("scope", "kind"):
        return Q()
    raise InvalidInput(f"unknown filter field {name!r}", path=path)


def _since(value: str) -> datetime:
    """`timeRange` (an ISO 8601 duration) as the instant it reaches back to."""
    from flows.spec.durations import parse_duration

    try:
        span = parse_duration(value)
    except ValueError as error:
        raise InvalidInput(f"must be an ISO 8601 duration: {error}", path="timeRange") from error
    return datetime.now(UTC) - span


def with_labels(rows: QuerySet, labels: dict[str, str]) -> QuerySet | list:
    """Label filters: JSON containment on PostgreSQL, in Python elsewhere."""
    if not labels:
        return rows
    if connection.vendor == "postgresql":
        for key, value in labels.items():
            rows = rows.filter(labels__contains=[{"key": key, "value": value}])
        return rows
    return [r for r in rows if all({"key": k, "value": v} in r.labels for k, v in labels.items())]


def _page(rows, search: Search) -> tuple[list, int]:
    start = (search.page - 1) * search.size
    if isinstance(rows, list):
        return rows[start : start + search.size], len(rows)
    return list(rows[start : start + search.size]), rows.count()


def execution_search(search: Search) -> tuple[list[Execution], int]:
    rows = executions_all()
    for name, op, value in search.filters:
        rows = rows.filter(_execution_q(name, op, value))
    ordering = [("-" if desc else "") + SORTABLE[name] for name, desc in search.sort]
    rows = rows.order_by(*(ordering or ["-created"]), "id")
    return _page(with_labels(rows, search.labels), search)


def level_q(min_level: str | None, path: str = "minLevel") -> Q:
    if not min_level:
        return Q()
    level = min_level.upper()
    if level == "WARNING":
        level = "WARN"
    if level not in LEVELS:
        raise InvalidInput(f"must be one of {', '.join(LEVELS)}", path=path)
    return Q(level__in=LEVELS[LEVELS.index(level) :])


def logs_of_execution(
    execution_id: str,
    *,
    min_level: str | None = None,
    task_run_id: str | None = None,
    task_id: str | None = None,
    attempt: int | None = None,
) -> QuerySet[LogEntry]:
    rows = LogEntry.objects.filter(execution_id=execution_id).filter(level_q(min_level))
    if task_run_id:
        rows = rows.filter(task_run_id=task_run_id)
    if task_id:
        rows = rows.filter(task_id=task_id)
    if attempt is not None:
        rows = rows.filter(attempt_number=attempt)
    return rows.order_by("timestamp", "id")


def _log_q(name: str, op: str, value: str) -> Q:
    path = f"filters[{name}]"
    if name == "q":
        return Q(message__icontains=value)
    if name == "namespace" and op == PREFIX_IN:
        return scope_q("namespace", value)
    if name == "namespace":
        return (
            namespace_q("namespace", value) if op == "PREFIX" else _text_q("namespace", op, value)
        )
    if name == "flowId":
        return _text_q("flow_id", op, value)
    if name == "executionId":
        return _text_q("execution_id", op, value)
    if name in ("taskId", "taskRunId"):
        return _text_q("task_id" if name == "taskId" else "task_run_id", op, value)
    if name in ("level", "minLevel"):
        return level_q(value, path)
    if name == "startDate":
        return _date_q(
            "timestamp", op if op != "EQUALS" else "GREATER_THAN_OR_EQUAL_TO", value, path
        )
    if name == "endDate":
        return _date_q("timestamp", op if op != "EQUALS" else "LESS_THAN_OR_EQUAL_TO", value, path)
    if name == "timeRange":
        return Q(timestamp__gte=_since(value))
    if name in ("scope", "triggerId"):
        return Q()
    raise InvalidInput(f"unknown filter field {name!r}", path=path)


def log_search(search: Search) -> tuple[list[LogEntry], int]:
    rows = LogEntry.objects.filter(tenant=settings.KESTRA["TENANT"])
    for name, op, value in search.filters:
        rows = rows.filter(_log_q(name, op, value))
    ordering = [("-" if desc else "") + LOG_SORTABLE[name] for name, desc in search.sort]
    rows = rows.order_by(*(ordering or ["-timestamp"]), "-id")
    return _page(rows, search)


def execution_eval(execution_id: str, expression: str, task_run_id: str | None = None) -> dict:
    """Render an expression against an execution (or one of its task runs): Kestra's EvalResult
    (`result`, or `error` and `stackTrace`)."""
    import traceback

    from executions import executor, repository
    from executions.engine.context import Run
    from executions.engine.core import default_renderer
    from executions.engine.model import new_id
    from executions.engine.variables import task_variables

    row = execution_get(execution_id)
    plan = executor.flow_plan(row.namespace, row.flow_id, row.flow_revision)
    snapshot = repository.to_snapshot(row, task_runs_of(row))
    renderer = default_renderer()
    run = Run(plan, snapshot, datetime.now(UTC), renderer, new_id, {"envs": executor.run_envs()})
    task_run = None
    if task_run_id is not None:
        task_run = run.by_id.get(task_run_id)
        if task_run is None:
            raise NotFound(f"No task run {task_run_id} in execution {execution_id}")
    node = run.node_of(task_run) if task_run is not None else None
    try:
        context = task_variables(run, node, task_run)
        return {"result": renderer.render(expression, context)}
    except Exception as error:
        return {"error": str(error), "stackTrace": traceback.format_exc(limit=5)}
