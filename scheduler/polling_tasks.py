"""Celery tasks of polling triggers on queue `executor`: beat's tick and the worker's answer."""

from __future__ import annotations

from celery import shared_task

from executions import dispatch
from scheduler import polling


@shared_task(name=dispatch.POLL_TASK, ignore_result=True)
def poll(namespace: str, flow_id: str, trigger_id: str) -> bool:
    """A beat tick: send the trigger's evaluation to a worker unless one is out already."""
    job = polling.trigger_poll(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
    return job is not None


@shared_task(name=dispatch.POLLED_TASK, ignore_result=True)
def polled(payload: dict) -> bool:
    """A worker's evaluation: at most one execution per evaluation, however often delivered."""
    return polling.trigger_polled(payload) is not None
