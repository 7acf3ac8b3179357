"""The database backend: the ORM answers search and statistics (PostgreSQL full text where
available). It is the reference the Elasticsearch backend is tested against."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import TruncDate

from access.rules import scope_q
from executions import selectors
from executions.models import LogEntry, TaskRun
from flows import selectors as flow_selectors
from flows.selectors import namespace_q
from indexer.backends.base import GROUPS, DurationBucket, StateBucket
from kestra_site.errors import InvalidInput
from kestra_site.query import PREFIX_IN, Search

TASK_RUN_SORTABLE = {
    "id": "id",
    "taskId": "task_id",
    "namespace": "execution__namespace",
    "flowId": "execution__flow_id",
    "executionId": "execution_id",
    "state": "state",
    "state.current": "state",
    "startDate": "start_date",
    "state.startDate": "start_date",
    "endDate": "end_date",
    "state.endDate": "end_date",
}
TASK_RUN_DEFAULT_ORDER = ("-execution__created", "execution_id", "position", "id")
_GROUP_COLUMNS = {"namespace": "namespace", "flowId": "flow_id"}


def _task_run_q(name: str, op: str, value: str) -> Q:
    path = f"filters[{name}]"
    if name == "q":
        return (
            Q(id__icontains=value)
            | Q(task_id__icontains=value)
            | Q(execution__id__icontains=value)
            | Q(execution__flow_id__icontains=value)
            | Q(execution__namespace__icontains=value)
        )
    if name == "namespace":
        if op == PREFIX_IN:
            return scope_q("execution__namespace", value)
        if op == "PREFIX":
            return namespace_q("execution__namespace", value)
        return selectors._text_q("execution__namespace", op, value)
    if name == "flowId":
        return selectors._text_q("execution__flow_id", op, value)
    if name == "executionId":
        return selectors._text_q("execution_id", op, value)
    if name == "taskId":
        return selectors._text_q("task_id", op, value)
    if name == "id":
        return selectors._text_q("id", op, value)
    if name == "state":
        q = Q(state__in=selectors._states(value, path))
        return ~q if op in ("NOT_EQUALS", "NOT_IN") else q
    if name in ("startDate", "endDate"):
        default = "GREATER_THAN_OR_EQUAL_TO" if name == "startDate" else "LESS_THAN_OR_EQUAL_TO"
        return selectors._date_q("start_date", op if op != "EQUALS" else default, value, path)
    if name in ("parentId", "triggerExecutionId"):
        return Q(execution__parent_id=value)
    if name == "childFilter":
        return Q(execution__parent_id__isnull=value.upper() != "CHILD")
    if name == "timeRange":
        return Q(start_date__gte=selectors._since(value))
    if name in ("scope", "kind"):
        return Q()
    raise InvalidInput(f"unknown filter field {name!r}", path=path)


def _labels_q(field: str, labels: dict[str, str]) -> Q:
    q = Q()
    for key, value in labels.items():
        q &= Q(**{f"{field}__contains": [{"key": key, "value": value}]})
    return q


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    return float(value) / 1_000_000  # SQLite sums durations as microseconds


class DatabaseBackend:
    name = "database"

    def flow_search(self, search: Search) -> tuple[list, int]:
        return flow_selectors.flow_search(search)

    def flow_source_search(self, search: Search, q: str) -> tuple[list, int]:
        flows = flow_selectors.flows_active()
        words = q.split()
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchVector

            flows = flows.annotate(document=SearchVector("source", config="simple")).filter(
                document=SearchQuery(q, config="simple", search_type="plain")
            )
        else:
            for word in words:
                flows = flows.filter(source__icontains=word)
        for name, op, value in search.filters:
            if name == "namespace" and op == PREFIX_IN:  # the access scope; others ignored
                flows = flows.filter(scope_q("namespace", value))
        flows = flows.order_by("namespace", "flow_id")
        start = (search.page - 1) * search.size
        return list(flows[start : start + search.size]), flows.count()

    def execution_search(self, search: Search) -> tuple[list, int]:
        return selectors.execution_search(search)

    def log_search(self, search: Search) -> tuple[list, int]:
        return selectors.log_search(search)

    def task_run_search(self, search: Search) -> tuple[list, int]:
        rows = TaskRun.objects.filter(execution__tenant=settings.KESTRA["TENANT"])
        for name, op, value in search.filters:
            rows = rows.filter(_task_run_q(name, op, value))
        if search.labels:
            if connection.vendor != "postgresql":
                raise InvalidInput("label filters on task runs need PostgreSQL", path="labels")
            rows = rows.filter(_labels_q("execution__labels", search.labels))
        ordering = [("-" if d else "") + TASK_RUN_SORTABLE[n] for n, d in search.sort]
        rows = rows.select_related("execution").order_by(*(ordering or TASK_RUN_DEFAULT_ORDER))
        start = (search.page - 1) * search.size
        return list(rows[start : start + search.size]), rows.count()

    def execution_buckets(self, search: Search, *, task_runs: bool, group: str):
        if task_runs:
            rows = TaskRun.objects.filter(execution__tenant=settings.KESTRA["TENANT"])
            for name, op, value in search.filters:
                rows = rows.filter(_task_run_q(name, op, value))
            columns = [f"execution__{_GROUP_COLUMNS[g]}" for g in GROUPS[group]]
        else:
            rows = selectors.executions_all()
            for name, op, value in search.filters:
                rows = rows.filter(selectors._execution_q(name, op, value))
            columns = [_GROUP_COLUMNS[g] for g in GROUPS[group]]
        rows = rows.filter(start_date__isnull=False).annotate(
            day=TruncDate("start_date", tzinfo=UTC)
        )
        states = [
            StateBucket(tuple(r[c] for c in columns), r["day"], r["state"], r["n"])
            for r in rows.values(*columns, "day", "state").annotate(n=Count("id")).order_by()
        ]
        duration = ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
        durations = [
            DurationBucket(
                tuple(r[c] for c in columns),
                r["day"],
                r["n"],
                _seconds(r["low"]),
                _seconds(r["high"]),
                _seconds(r["total"]),
            )
            for r in rows.filter(end_date__isnull=False)
            .values(*columns, "day")
            .annotate(n=Count("id"), low=Min(duration), high=Max(duration), total=Sum(duration))
            .order_by()
        ]
        return states, durations

    def log_buckets(self, search: Search):
        rows = LogEntry.objects.filter(tenant=settings.KESTRA["TENANT"])
        for name, op, value in search.filters:
            rows = rows.filter(selectors._log_q(name, op, value))
        found = (
            rows.annotate(day=TruncDate("timestamp", tzinfo=UTC))
            .values("day", "level")
            .annotate(n=Count("id"))
            .order_by()
        )
        return [(r["day"], r["level"], r["n"]) for r in found]
