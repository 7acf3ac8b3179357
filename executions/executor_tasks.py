"""Tasks that read the repository run on the executor side: log.Fetch, execution.Resume (and
those of repository_tasks)."""

from __future__ import annotations

import json
from typing import Any

from celery import shared_task

from executions import repository_tasks
from workers.plugins import RunContext, TaskFailure, register

LOCAL_TASK = "executions.run_local"
FETCH = ("io.kestra.plugin.core.log.Fetch", "io.kestra.core.tasks.log.Fetch")
RESUME = ("io.kestra.plugin.core.execution.Resume",)
# log.Fetch and Resume here; Count, the purges and trigger.Toggle in repository_tasks
LOCAL_TYPES = frozenset(FETCH + RESUME + repository_tasks.TYPES)
LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]


def is_local(task: dict[str, Any]) -> bool:
    """Jobs of these types go to the executor queue, never to a worker group."""
    return str(task.get("type")) in LOCAL_TYPES


def _target_execution(ctx: RunContext) -> str:
    given = ctx.render_string(ctx.task.get("executionId"))
    return given or str(ctx.variables["execution"]["id"])


def fetch(ctx: RunContext) -> dict[str, Any]:
    """log.Fetch: the execution's logs from `level` up (INFO), optionally of some tasks only,
    stored one JSON document per line; outputs `size` and `uri`."""
    from executions.models import LogEntry
    from kestra_site import storage

    execution_id = _target_execution(ctx)
    level = str(ctx.property("level", "INFO")).upper()
    if level not in LEVELS:
        raise TaskFailure(f"Invalid level '{level}'")
    logs = LogEntry.objects.filter(
        execution_id=execution_id, level__in=LEVELS[LEVELS.index(level) :]
    )
    tasks_id = ctx.property("tasksId")
    if tasks_id:
        logs = logs.filter(task_id__in=[ctx.render_string(t) for t in tasks_id])
    rows = [
        {
            "executionId": execution_id,
            "taskId": entry.task_id,
            "taskRunId": entry.task_run_id,
            "level": entry.level,
            "message": entry.message,
            "timestamp": entry.timestamp.isoformat().replace("+00:00", "Z"),
        }
        for entry in logs.order_by("timestamp", "id")
    ]
    flow, execution, task_run = (ctx.variables[k] for k in ("flow", "execution", "taskrun"))
    prefix = storage.execution_prefix(flow["namespace"], flow["id"], execution["id"])
    uri = storage.put(
        f"{prefix}/tasks/{ctx.task['id']}/{task_run['id']}/logs.ion",
        "".join(json.dumps(row) + "\n" for row in rows),
    )
    return {"size": len(rows), "uri": uri}


def resume(ctx: RunContext) -> None:
    """execution.Resume: resume a PAUSED execution (this one's id when not given)."""
    from executions import services
    from kestra_site.errors import DomainError

    execution_id = _target_execution(ctx)
    try:
        services.execution_resume(execution_id, ctx.render(ctx.task.get("inputs")) or None)
    except DomainError as error:
        raise TaskFailure(str(error)) from None
    ctx.log("INFO", f"Resumed execution {execution_id}")


register(FETCH, fetch)
register(RESUME, resume)


@shared_task(name=LOCAL_TASK, ignore_result=True)
def run_local(job: dict) -> None:
    """Run an executor-side task like a worker would, then apply its result."""
    from executions.tasks import result
    from workers.runner import run_job

    result(run_job(job))
