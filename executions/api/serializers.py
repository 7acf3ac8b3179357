"""Kestra's JSON for executions, task runs and log entries, built from the rows."""

from __future__ import annotations

from typing import Any

from executions import repository
from executions.models import Execution, LogEntry, TaskRun

# Engine bookkeeping that Kestra's TaskRun JSON does not have.
_ENGINE_FIELDS = ("nextRetryDate", "resumeDate", "resumeState", "workerGroup", "flowable")


def iso(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def iso_duration(seconds: float) -> str:
    """Seconds as Java's Duration.toString() prints them (PT1H2M3.5S)."""
    millis = round(max(seconds, 0) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if millis or not (hours or minutes):
        whole, fraction = divmod(millis, 1000)
        text += f"{whole}" + (f".{fraction:03d}".rstrip("0") if fraction else "") + "S"
    return text


def _state(state: dict[str, Any]) -> dict[str, Any]:
    if isinstance(state.get("duration"), int | float):
        state["duration"] = iso_duration(state["duration"])
    return state


def task_run_json(data: dict[str, Any]) -> dict[str, Any]:
    for name in _ENGINE_FIELDS:
        data.pop(name, None)
    _state(data["state"])
    for attempt in data.get("attempts") or []:
        _state(attempt["state"])
    data.setdefault("attempts", None)
    data.setdefault("outputs", None)
    return data


def execution_json(row: Execution, task_rows: list[TaskRun]) -> dict[str, Any]:
    """Kestra's Execution JSON (what kestrapy's Execution model reads)."""
    data = repository.to_snapshot(row, task_rows).to_dict()
    data["taskRunList"] = [task_run_json(t) for t in data.get("taskRunList") or []]
    _state(data["state"])
    data.setdefault("originalId", row.id)
    data.setdefault("flowRevision", row.flow_revision or 1)
    data["tenantId"] = row.tenant
    data["deleted"] = False
    data.setdefault("labels", [])
    return data


def log_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "tenantId": entry.tenant,
        "namespace": entry.namespace,
        "flowId": entry.flow_id,
        "taskId": entry.task_id,
        "executionId": entry.execution_id,
        "taskRunId": entry.task_run_id,
        "attemptNumber": entry.attempt_number,
        "triggerId": None,
        "timestamp": iso(entry.timestamp),
        "level": entry.level,
        "thread": None,
        "message": entry.message,
    }


def log_line(entry: LogEntry) -> str:
    """One line of a downloaded log file, as Kestra writes them."""
    where = " ".join(x for x in (entry.task_id, entry.task_run_id) if x)
    prefix = f"{iso(entry.timestamp)} {entry.level:<5}"
    return f"{prefix} {where} {entry.message}" if where else f"{prefix} {entry.message}"
