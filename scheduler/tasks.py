"""Celery tasks of the scheduler (queue `executor`), sent by celery-beat's PeriodicTask rows."""

from __future__ import annotations

from celery import shared_task

from scheduler import backfills, services


@shared_task(name=services.FIRE_TASK, ignore_result=True)
def fire(namespace: str, flow_id: str, trigger_id: str) -> int:
    """A beat tick of one schedule trigger; two beats on the same tick create one execution."""
    runs = services.trigger_fire(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
    return len(runs)


@shared_task(name=services.BACKFILL_TASK, ignore_result=True)
def backfill(namespace: str, flow_id: str, trigger_id: str) -> int:
    """A tick of one trigger's backfill: its next date, once (see backfills.py)."""
    runs = backfills.backfill_fire(namespace=namespace, flow_id=flow_id, trigger_id=trigger_id)
    return len(runs)
