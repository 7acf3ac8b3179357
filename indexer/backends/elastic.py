"""The Elasticsearch backend: queries (elasticsearch.dsl) answering with ids and buckets.

Filters mean what they mean on the database backend (the contract suite checks it); rows are
then read from the database by primary key, so both backends answer with the same JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from elasticsearch.dsl import Q, Search

from executions import selectors
from executions.models import Execution, LogEntry, TaskRun
from flows.models import Flow
from indexer import conf, elastic
from indexer.backends.base import GROUPS, DurationBucket, StateBucket
from kestra_site.errors import InvalidInput
from kestra_site.query import PREFIX_IN
from kestra_site.query import Search as Request

DATE_OPS = {
    "GREATER_THAN": "gt",
    "GREATER_THAN_OR_EQUAL_TO": "gte",
    "LESS_THAN": "lt",
    "LESS_THAN_OR_EQUAL_TO": "lte",
}
EXECUTION_SORT = {
    "id": "id",
    "namespace": "namespace",
    "flow_id": "flowId",
    "state": "state",
    "start_date": "startDate",
    "end_date": "endDate",
    "created": "created",
}
TASK_RUN_SORT = {
    "id": "id",
    "taskId": "taskId",
    "namespace": "namespace",
    "flowId": "flowId",
    "executionId": "executionId",
    "state": "state",
    "state.current": "state",
    "startDate": "startDate",
    "state.startDate": "startDate",
    "endDate": "endDate",
    "state.endDate": "endDate",
}
FLOW_SORT = {
    "flow_id": "flowId",
    "namespace": "namespace",
    "revision": "revision",
    "updated": "updated",
    "created": "created",
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def _regexp_escape(value: str) -> str:
    return "".join("\\" + c if c in '.?+*|{}[]()"\\#@&<>~' else c for c in value)


def _text(field: str, op: str, value: str) -> Q:
    if op in ("IN", "NOT_IN"):
        q = Q("terms", **{field: [v for v in value.split(",") if v]})
        return ~q if op == "NOT_IN" else q
    if op in ("PREFIX", "STARTS_WITH"):
        return Q("prefix", **{field: value})
    if op == "ENDS_WITH":
        return Q("wildcard", **{field: {"value": "*" + _escape(value)}})
    if op == "CONTAINS":
        return Q("wildcard", **{field: {"value": f"*{_escape(value)}*", "case_insensitive": True}})
    if op == "REGEX":
        return Q("regexp", **{field: f".*({value}).*"})
    q = Q("term", **{field: value})
    return ~q if op == "NOT_EQUALS" else q


def _contains_any(fields: tuple[str, ...], value: str) -> Q:
    return Q(
        "bool",
        should=[_text(f, "CONTAINS", value) for f in fields],
        minimum_should_match=1,
    )


def _namespace(field: str, op: str, value: str) -> Q:
    if op == PREFIX_IN:  # the access scope: under any of these prefixes (none: nothing)
        prefixes = [p for p in value.split(",") if p]
        if not prefixes:
            return Q("bool", must_not=[Q("match_all")])
        return Q(
            "bool",
            should=[Q("terms", **{field: prefixes})]
            + [Q("prefix", **{field: p + "."}) for p in prefixes],
            minimum_should_match=1,
        )
    if op == "PREFIX":
        return Q(
            "bool",
            should=[Q("term", **{field: value}), Q("prefix", **{field: value + "."})],
            minimum_should_match=1,
        )
    return _text(field, op, value)


def _date(field: str, op: str, value: str, path: str) -> Q:
    when = selectors.parse_date(value, path).astimezone(UTC).isoformat()
    if op == "EQUALS":
        return Q("term", **{field: when})
    if op not in DATE_OPS:
        raise InvalidInput(f"unsupported operation {op} on a date", path=path)
    return Q("range", **{field: {DATE_OPS[op]: when}})


def _levels(value: str, path: str) -> Q:
    level = value.upper()
    if level == "WARNING":
        level = "WARN"
    if level not in LogEntry.LEVELS:
        raise InvalidInput(f"must be one of {', '.join(LogEntry.LEVELS)}", path=path)
    return Q("terms", level=LogEntry.LEVELS[LogEntry.LEVELS.index(level) :])


def _execution_q(name: str, op: str, value: str, *, task_runs: bool = False) -> Q:
    """Execution (and task-run) filters, as executions.selectors reads them."""
    path = f"filters[{name}]"
    if name == "q":
        fields = ("id", "flowId", "namespace")
        return _contains_any(fields + (("taskId", "executionId") if task_runs else ()), value)
    if name == "namespace":
        return _namespace("namespace", op, value)
    if name == "flowId":
        return _text("flowId", op, value)
    if name in ("id", "executionId") and not task_runs:
        return _text("id", op, value)
    if task_runs and name in ("id", "executionId", "taskId"):
        return _text(name, op, value)
    if name == "state":
        q = Q("terms", state=selectors._states(value, path))
        return ~q if op in ("NOT_EQUALS", "NOT_IN") else q
    if name in ("startDate", "endDate"):
        default = "GREATER_THAN_OR_EQUAL_TO" if name == "startDate" else "LESS_THAN_OR_EQUAL_TO"
        return _date("startDate", op if op != "EQUALS" else default, value, path)
    if name in ("parentId", "triggerExecutionId"):
        return Q("term", parentId=value)
    if name == "childFilter":
        q = Q("exists", field="parentId")
        return q if value.upper() == "CHILD" else ~q
    if name == "timeRange":
        return Q("range", startDate={"gte": selectors._since(value).isoformat()})
    if name in ("scope", "kind"):
        return Q("match_all")
    raise InvalidInput(f"unknown filter field {name!r}", path=path)


def _log_q(name: str, op: str, value: str) -> Q:
    path = f"filters[{name}]"
    if name == "q":
        return Q("match_phrase", message=value)
    if name == "namespace":
        return _namespace("namespace", op, value)
    if name in ("flowId", "executionId", "taskId", "taskRunId"):
        return _text(name, op, value)
    if name in ("level", "minLevel"):
        return _levels(value, path) if value else Q("match_all")
    if name in ("startDate", "endDate"):
        default = "GREATER_THAN_OR_EQUAL_TO" if name == "startDate" else "LESS_THAN_OR_EQUAL_TO"
        return _date("timestamp", op if op != "EQUALS" else default, value, path)
    if name == "timeRange":
        return Q("range", timestamp={"gte": selectors._since(value).isoformat()})
    if name in ("scope", "triggerId"):
        return Q("match_all")
    raise InvalidInput(f"unknown filter field {name!r}", path=path)


def _sort(field: str, descending: bool) -> dict:
    # The database's order: NULLs are the largest values (first descending, last ascending).
    return {
        field: {
            "order": "desc" if descending else "asc",
            "missing": "_first" if descending else "_last",
        }
    }


def _labels(labels: dict[str, str]) -> list[Q]:
    return [Q("term", labels=f"{k}:{v}") for k, v in labels.items()]


class ElasticBackend:
    name = "elasticsearch"

    def _search(self, kind: str) -> Search:
        search = Search(using=elastic.client(), index=conf.index_name(kind))
        # Nothing indexed yet (no log of any day, say) is an empty answer, not an error.
        search = search.params(ignore_unavailable=True, allow_no_indices=True)
        return search.filter("term", tenant=settings.KESTRA["TENANT"])

    @staticmethod
    def _page(search: Search, request: Request) -> tuple[list[str], int]:
        start = (request.page - 1) * request.size
        response = search.extra(track_total_hits=True, _source=False)[
            start : start + request.size
        ].execute()
        return [hit.meta.id for hit in response.hits], response.hits.total.value

    @staticmethod
    def _rows(model, ids: list[str], key=str) -> list:
        found = model.objects.in_bulk([key(i) for i in ids])
        return [found[key(i)] for i in ids if key(i) in found]

    def flow_search(self, request: Request) -> tuple[list, int]:
        search = self._search("flows")
        for name, op, value in request.filters:
            if name == "q":
                search = search.filter(_contains_any(("flowId", "namespace", "description"), value))
            elif name == "namespace":
                search = search.filter(_namespace("namespace", op, value))
            elif name in ("flowId", "id"):
                search = search.filter(_text("flowId", op, value))
            elif name != "scope":
                raise InvalidInput(f"unknown filter field {name!r}", path=f"filters[{name}]")
        for q in _labels(request.labels):
            search = search.filter(q)
        from flows.selectors import SORTABLE

        order = request.sort or [("namespace", False), ("id", False)]
        search = search.sort(*(_sort(FLOW_SORT[SORTABLE[n]], d) for n, d in order))
        ids, total = self._page(search, request)
        return self._rows(Flow, ids, int), total

    def flow_source_search(self, request: Request, q: str) -> tuple[list, int]:
        search = self._search("flows").query(Q("match", source={"query": q, "operator": "and"}))
        for name, op, value in request.filters:
            if name == "namespace" and op == PREFIX_IN:  # the access scope; others ignored
                search = search.filter(_namespace("namespace", op, value))
        search = search.sort(_sort("namespace", False), _sort("flowId", False))
        ids, total = self._page(search, request)
        return self._rows(Flow, ids, int), total

    def _executions(self, request: Request, *, task_runs: bool) -> Search:
        search = self._search("taskruns" if task_runs else "executions")
        for name, op, value in request.filters:
            search = search.filter(_execution_q(name, op, value, task_runs=task_runs))
        for q in _labels(request.labels):
            search = search.filter(q)
        return search

    def execution_search(self, request: Request) -> tuple[list, int]:
        search = self._executions(request, task_runs=False)
        order = [(EXECUTION_SORT[selectors.SORTABLE[n]], d) for n, d in request.sort]
        order = order or [("created", True)]
        search = search.sort(*(_sort(f, d) for f, d in [*order, ("id", False)]))
        ids, total = self._page(search, request)
        return self._rows(Execution, ids), total

    def task_run_search(self, request: Request) -> tuple[list, int]:
        search = self._executions(request, task_runs=True)
        order = [(TASK_RUN_SORT[n], d) for n, d in request.sort] or [
            ("created", True),
            ("executionId", False),
            ("position", False),
            ("id", False),
        ]
        search = search.sort(*(_sort(f, d) for f, d in order))
        ids, total = self._page(search, request)
        found = TaskRun.objects.select_related("execution").in_bulk(ids)
        return [found[i] for i in ids if i in found], total

    def log_search(self, request: Request) -> tuple[list, int]:
        search = self._search("logs")
        for name, op, value in request.filters:
            search = search.filter(_log_q(name, op, value))
        order = [(n, d) for n, d in request.sort] or [("timestamp", True)]
        search = search.sort(*(_sort(f, d) for f, d in [*order, ("id", True)]))
        ids, total = self._page(search, request)
        return self._rows(LogEntry, ids, int), total

    def execution_buckets(self, request: Request, *, task_runs: bool, group: str):
        search = self._executions(request, task_runs=task_runs).extra(size=0)
        search = search.filter("exists", field="startDate")
        node = search.aggs
        for field in GROUPS[group]:
            node = node.bucket(field, "terms", field=field, size=10_000)
        days = node.bucket(
            "day", "date_histogram", field="startDate", calendar_interval="day", time_zone="UTC"
        )
        days.bucket("state", "terms", field="state", size=100)
        days.metric("duration", "stats", field="duration")
        response = search.execute().to_dict()["aggregations"]
        states, durations = [], []

        def walk(aggs: dict, fields: tuple[str, ...], keys: tuple[str, ...]) -> None:
            if fields:
                for bucket in aggs[fields[0]]["buckets"]:
                    walk(bucket, fields[1:], (*keys, bucket["key"]))
                return
            for day_bucket in aggs["day"]["buckets"]:
                day = datetime.fromtimestamp(day_bucket["key"] / 1000, UTC).date()
                for state in day_bucket["state"]["buckets"]:
                    states.append(StateBucket(keys, day, state["key"], state["doc_count"]))
                stats = day_bucket["duration"]
                if stats.get("count"):
                    durations.append(
                        DurationBucket(
                            keys, day, stats["count"], stats["min"], stats["max"], stats["sum"]
                        )
                    )

        walk(response, GROUPS[group], ())
        return states, durations

    def log_buckets(self, request: Request):
        search = self._search("logs").extra(size=0)
        for name, op, value in request.filters:
            search = search.filter(_log_q(name, op, value))
        search.aggs.bucket(
            "day", "date_histogram", field="timestamp", calendar_interval="day", time_zone="UTC"
        ).bucket("level", "terms", field="level", size=10)
        response = search.execute().to_dict()["aggregations"]
        found = []
        for day_bucket in response["day"]["buckets"]:
            day = datetime.fromtimestamp(day_bucket["key"] / 1000, UTC).date()
            for level in day_bucket["level"]["buckets"]:
                found.append((day, level["key"], level["doc_count"]))
        return found
