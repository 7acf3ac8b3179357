"""Reads about workers: live instances and the groups they serve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

from executions.engine import WorkerGroups
from workers.models import WorkerInstance


def _cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.KESTRA["HEARTBEAT_TIMEOUT_SECONDS"])


def workers_list(*, include_dead: bool = False) -> list[tuple[WorkerInstance, bool]]:
    """Worker instances with whether each is alive (heard from within the heartbeat timeout)."""
    now = datetime.now(UTC)
    cutoff = _cutoff(now)
    rows = WorkerInstance.objects.all()
    if not include_dead:
        rows = rows.filter(last_seen__gte=cutoff)
    return [(row, row.last_seen >= cutoff) for row in rows]


def worker_groups() -> list[dict]:
    """Every declared group (and any group a live worker serves), with its live workers."""
    live = [row for row, alive in workers_list() if alive]
    names = set(settings.KESTRA["WORKER_GROUPS"]) | {q for w in live for q in w.queues}
    names.discard("executor")
    return [
        {
            "key": name,
            "declared": name in settings.KESTRA["WORKER_GROUPS"],
            "liveWorkers": sorted(w.worker_id for w in live if name in w.queues),
        }
        for name in sorted(names)
    ]


def served_queues(now: datetime | None = None) -> set[str]:
    """The queues (worker groups) at least one live, not stopping, worker consumes."""
    cutoff = _cutoff(now or datetime.now(UTC))
    rows = WorkerInstance.objects.filter(last_seen__gte=cutoff).values_list("queues", flat=True)
    return {queue for queues in rows for queue in queues or []}


def worker_groups_config() -> WorkerGroups:
    """What the engine needs to place a job: namespace defaults, and a lookup of live groups
    that reads the database once, and only if the engine asks (a job is dispatched)."""
    from executions.executor_tasks import LOCAL_TYPES

    served: set[str] | None = None

    def available(queue: str) -> bool:
        nonlocal served
        if served is None:
            served = served_queues()
        return queue in served

    return WorkerGroups(
        namespace_defaults=settings.KESTRA["NAMESPACE_WORKER_GROUPS"],
        default=settings.KESTRA["DEFAULT_WORKER_GROUP"],
        available=available,
        executor_types=LOCAL_TYPES,
    )
