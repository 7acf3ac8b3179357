"""Celery tasks of the workers (one queue per worker group): run a job, send back the result."""

from __future__ import annotations

from celery import shared_task

from executions import dispatch
from workers.runner import run_job


@shared_task(name=dispatch.RUN_TASK, ignore_result=True, acks_late=True)
def run(job: dict) -> None:
    payload = run_job(job)
    run.app.send_task(dispatch.RESULT_TASK, args=[payload], queue=dispatch.EXECUTOR_QUEUE)
