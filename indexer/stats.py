"""Kestra's dashboard statistics, shaped from a backend's buckets (same shape either way)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from executions.api.serializers import iso_duration
from executions.models import LogEntry
from executions.states import State
from indexer.backends.base import SearchBackend
from kestra_site.errors import InvalidInput
from kestra_site.query import Search

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _date(body: dict, name: str, default: datetime) -> datetime:
    from executions.selectors import parse_date

    raw = body.get(name)
    if raw in (None, ""):
        return default
    if not isinstance(raw, str):
        raise InvalidInput("must be an ISO 8601 date", path=name)
    return parse_date(raw, name).astimezone(UTC)


def period(body: dict) -> tuple[datetime, datetime]:
    end = _date(body, "endDate", datetime.now(UTC))
    start = _date(body, "startDate", end - timedelta(days=DEFAULT_DAYS))
    if start > end:
        raise InvalidInput("must not be after endDate", path="startDate")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(f"the period may span {MAX_DAYS} days at most", path="startDate")
    return start, end


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be a string", path=name)
    return value


def execution_filters(body: dict, start: datetime, end: datetime) -> Search:
    """The request body of an execution statistic as search filters."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", path="body")
    search = Search()
    if q := _text(body, "q"):
        search.filters.append(("q", "EQUALS", q))
    if namespace := _text(body, "namespace"):
        search.filters.append(("namespace", "PREFIX", namespace))
    if flow_id := _text(body, "flowId"):
        search.filters.append(("flowId", "EQUALS", flow_id))
    states = body.get("state") or []
    if isinstance(states, str):
        states = [states]
    if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
        raise InvalidInput("must be a list of states", path="state")
    if states:
        search.filters.append(("state", "IN", ",".join(states)))
    search.filters.append(("startDate", "GREATER_THAN_OR_EQUAL_TO", start.isoformat()))
    search.filters.append(("endDate", "LESS_THAN_OR_EQUAL_TO", end.isoformat()))
    return search


def _days(start: datetime, end: datetime) -> list[date]:
    first, last = start.date(), end.date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _day_iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _daily(states: dict, durations: dict, days: list[date]) -> list[dict]:
    found = []
    for day in days:
        counts = {s.value: 0 for s in State}
        counts.update(states.get(day, {}))
        d = durations.get(day)
        count = d.count if d else 0
        found.append(
            {
                "startDate": _day_iso(day),
                "duration": {
                    "min": iso_duration(d.min if d else 0),
                    "avg": iso_duration(d.sum / count if count else 0),
                    "max": iso_duration(d.max if d else 0),
                    "sum": iso_duration(d.sum if d else 0),
                    "count": count,
                },
                "executionCounts": counts,
                "groupBy": "day",
            }
        )
    return found


def daily(backend: SearchBackend, body: dict, *, task_runs: bool = False) -> list[dict]:
    start, end = period(body)
    states, durations = backend.execution_buckets(
        execution_filters(body, start, end), task_runs=task_runs, group=""
    )
    by_day: dict = defaultdict(dict)
    for b in states:
        by_day[b.day][b.state] = b.count
    return _daily(by_day, {d.day: d for d in durations}, _days(start, end))


def daily_by_flow(backend: SearchBackend, body: dict) -> dict:
    start, end = period(body)
    states, durations = backend.execution_buckets(
        execution_filters(body, start, end), task_runs=False, group="flow"
    )
    by_flow: dict = defaultdict(lambda: defaultdict(dict))
    for b in states:
        by_flow[b.group][b.day][b.state] = b.count
    duration_by_flow: dict = defaultdict(dict)
    for d in durations:
        duration_by_flow[d.group][d.day] = d
    days = _days(start, end)
    found: dict = {}
    for namespace, flow_id in sorted(by_flow):
        found.setdefault(namespace, {})[flow_id] = _daily(
            by_flow[(namespace, flow_id)], duration_by_flow[(namespace, flow_id)], days
        )
    return found


def counts_by_namespace(backend: SearchBackend, body: dict) -> dict:
    start, end = period(body)
    states, _ = backend.execution_buckets(
        execution_filters(body, start, end), task_runs=False, group="namespace"
    )
    found: dict = {}
    for b in states:
        entry = found.setdefault(b.group[0], {"counts": {s.value: 0 for s in State}, "total": 0})
        entry["counts"][b.state] += b.count
        entry["total"] += b.count
    return dict(sorted(found.items()))


def logs_daily(backend: SearchBackend, body: dict) -> list[dict]:
    start, end = period(body)
    search = Search()
    if q := _text(body, "q"):
        search.filters.append(("q", "EQUALS", q))
    if namespace := _text(body, "namespace"):
        search.filters.append(("namespace", "PREFIX", namespace))
    if flow_id := _text(body, "flowId"):
        search.filters.append(("flowId", "EQUALS", flow_id))
    if level := _text(body, "logLevel"):
        search.filters.append(("level", "EQUALS", level))
    search.filters.append(("startDate", "GREATER_THAN_OR_EQUAL_TO", start.isoformat()))
    search.filters.append(("endDate", "LESS_THAN_OR_EQUAL_TO", end.isoformat()))
    by_day: dict = defaultdict(dict)
    for day, level_name, count in backend.log_buckets(search):
        by_day[day][level_name] = count
    return [
        {
            "timestamp": _day_iso(day),
            "counts": {name: by_day[day].get(name, 0) for name in LogEntry.LEVELS},
            "groupBy": "day",
        }
        for day in _days(start, end)
    ]
