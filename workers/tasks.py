"""Celery tasks of the workers (one queue per worker group): run a job, send back the result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import shared_task

from executions import dispatch
from workers.runner import run_job


@shared_task(name=dispatch.RUN_TASK, ignore_result=True, acks_late=True)
def run(job: dict) -> None:
    payload = run_job(job)
    run.app.send_task(dispatch.RESULT_TASK, args=[payload], queue=dispatch.EXECUTOR_QUEUE)


def evaluate_poll(job: dict[str, Any]) -> dict[str, Any]:
    """Evaluate one polling trigger (no database); the returned payload is `scheduler.polled`."""
    from kestra_site.storage import InternalStorage
    from workers.attempt import SecretMask
    from workers.plugins import RunContext
    from workers.plugins.polling import evaluate
    from workers.runner import renderer

    logs: list[dict[str, str]] = []
    mask = SecretMask()

    def log(level: str, message: str) -> None:
        stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        logs.append({"level": level, "message": message, "timestamp": stamp})

    context = RunContext(
        task=job["trigger"],
        variables=job["variables"],
        renderer=renderer(job, mask),
        log=mask.log(log),
        storage=InternalStorage(),
    )
    found = evaluate(context, job.get("state"))
    return {
        "tenant": job.get("tenant", "main"),
        "namespace": job["namespace"],
        "flow_id": job["flow_id"],
        "trigger_id": job["trigger_id"],
        "date": job["date"],
        "fire": found.fire,
        "variables": mask.value(found.variables),
        "state": found.state,
        "error": mask.value(found.error),
        "logs": logs,
    }


@shared_task(name=dispatch.POLL_EVALUATE_TASK, ignore_result=True, acks_late=True)
def poll(job: dict) -> None:
    """Evaluate a polling trigger for the scheduler and send what it found back."""
    payload = evaluate_poll(job)
    poll.app.send_task(dispatch.POLLED_TASK, args=[payload], queue=dispatch.EXECUTOR_QUEUE)
