"""The executor: lock one execution, feed the pure engine, save what changed, dispatch after commit.

This is the only code that writes execution and task-run state. Each call handles one
execution under a row lock (`select_for_update`), so any number of executor processes can run
side by side; messages (worker jobs, kills, ticks) are published only once the transaction has
committed, and every handler is safe to run twice.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from executions import dispatch, engine, flow_triggers, limits, repository, subflow_outputs
from executions.engine.plan import FOREACH_ITEM_EXECUTABLE
from executions.inputs.declared import declared_list
from executions.models import Execution, LogEntry, TaskRun
from executions.states import State
from flows import selectors as flow_selectors
from indexer import hooks as indexing
from indexer.signals import rows_saved
from kestra_site import faults
from scheduler.actions import trigger_execution_ended
from workers import selectors as worker_selectors

logger = logging.getLogger(__name__)

_PLANS: OrderedDict[tuple[str, str, int], engine.FlowPlan] = OrderedDict()
_PLAN_CACHE_SIZE = 256


def flow_plan(namespace: str, flow_id: str, revision: int) -> engine.FlowPlan:
    """The compiled plan of a flow revision, cached: revisions never change."""
    key = (namespace, flow_id, revision)
    plan = _PLANS.get(key)
    if plan is None:
        definition = flow_selectors.flow_revision_definition(namespace, flow_id, revision)
        plan = engine.compile_flow({**definition, "revision": revision})
        _PLANS[key] = plan
        while len(_PLANS) > _PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    else:
        _PLANS.move_to_end(key)
    return plan


def run_envs() -> dict[str, str]:
    """`envs`: the environment variables with Kestra's prefix, prefix removed, lower-cased."""
    return _envs(settings.KESTRA["ENV_VARS_PREFIX"])


@functools.cache
def _envs(prefix: str) -> dict[str, str]:
    # A process's environment does not change while it runs: read it once, not every hop.
    return {k[len(prefix) :].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}


def now() -> datetime:
    return datetime.now(UTC)


# The live queues read last: {queue: latest heartbeat of a worker serving it}, and when read.
_SERVED: tuple[float, dict[str, datetime]] = (float("-inf"), {})
_SERVED_TTL_SECONDS = 1.0


def _worker_groups() -> engine.WorkerGroups:
    """worker_groups_config(), with the live-queue lookup reused across decisions for a second.

    Every dispatch used to read the worker table (one query per hop: 8% of the executor's
    time). A queue seen served less than a second ago is taken as served if its worker's
    heartbeat is still within the timeout now, which is what a fresh read would say unless the
    worker deregistered in that second; a queue not seen served is always read afresh, so a
    worker that just started is never missed."""
    groups = worker_selectors.worker_groups_config()
    if groups.available is None:
        return groups
    fresh: dict[str, datetime] | None = None

    def available(queue: str) -> bool:
        global _SERVED
        nonlocal fresh
        cutoff = now() - timedelta(seconds=settings.KESTRA["HEARTBEAT_TIMEOUT_SECONDS"])
        read_at, seen = _SERVED
        if time.monotonic() - read_at < _SERVED_TTL_SECONDS and seen.get(queue, _NEVER) >= cutoff:
            return True
        if fresh is None:
            fresh = _served_queues_seen(cutoff)
            _SERVED = (time.monotonic(), fresh)
        return fresh.get(queue, _NEVER) >= cutoff

    return dataclasses.replace(groups, available=available)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _served_queues_seen(cutoff: datetime) -> dict[str, datetime]:
    """The queues live workers serve, each with the latest heartbeat among its workers (the
    same rows as worker_selectors.served_queues)."""
    from workers.models import WorkerInstance

    seen: dict[str, datetime] = {}
    rows = WorkerInstance.objects.filter(last_seen__gte=cutoff).values_list("queues", "last_seen")
    for queues, last_seen in rows:
        for queue in queues or []:
            seen[queue] = max(last_seen, seen.get(queue, _NEVER))
    return seen


def _waiting_subflow_results(
    row: Execution, plan: engine.FlowPlan, snapshot: engine.Execution
) -> list[engine.Event]:
    """SubflowResult events for children that have ended: read from the database, so a lost
    or repeated message changes nothing (the engine drops a result for a finished task run)."""
    waiting = {
        t.id: t
        for t in snapshot.task_run_list
        if t.state.current is State.RUNNING and plan.nodes[t.task_id].kind == "executable"
    }
    if not waiting:
        return []
    terminal = [s.value for s in State if s.is_terminal]
    events: list[engine.Event] = []
    for child in Execution.objects.filter(parent_id=row.id, state__in=terminal):
        task_run_id = (child.trigger or {}).get("variables", {}).get("taskRunId")
        if task_run_id not in waiting:
            continue
        if plan.nodes[waiting[task_run_id].task_id].type == FOREACH_ITEM_EXECUTABLE:
            events += subflow_outputs.item_results(snapshot, waiting[task_run_id], child)
            continue
        child_rows = list(TaskRun.objects.filter(execution=child).order_by("position"))
        child_snapshot = repository.to_snapshot(child, child_rows)
        child_plan = flow_plan(child.namespace, child.flow_id, child.flow_revision)
        events.append(
            engine.SubflowResult(
                task_run_id=task_run_id,
                child_execution_id=child.id,
                state=child.state,
                outputs=child.outputs,
                child_variables=engine.subflow_variables(child_plan, child_snapshot),
            )
        )
    return events


def execution_process(
    execution_id: str,
    events: Iterable[engine.Event] = (),
    *,
    worker_logs: list[dict] | None = None,
    log_context: dict | None = None,
) -> engine.Outcome | None:
    """Apply events to one execution and decide what runs next. Safe to call any time.

    `worker_logs` (from a worker's result message) are stored in the same transaction."""
    out = dispatch.Dispatch()
    # indexing.batch(): what this transaction changed goes to the outbox in one INSERT
    with transaction.atomic(), indexing.batch():
        row = Execution.objects.select_for_update().filter(pk=execution_id).first()
        if row is None:
            logger.info("execution %s is gone; nothing to do", execution_id)
            return None
        events = list(events)
        ticked = not events  # a bare tick, possibly a timer's: re-arm the timer if not yet due
        if worker_logs:
            _save_worker_logs(row, worker_logs, log_context or {})
        if State(row.state).is_terminal and not events:
            return None
        at = now()
        plan = flow_plan(row.namespace, row.flow_id, row.flow_revision)
        task_rows = list(TaskRun.objects.filter(execution=row).order_by("position"))
        snapshot = repository.to_snapshot(row, task_rows)
        was_state = snapshot.state.current
        if not limits.concurrency_gate(row, plan, snapshot, at):
            if snapshot.state.current is not was_state:
                repository.apply_execution(row, snapshot)
                row.save()
                flow_triggers.on_state_change(row, plan, snapshot)
                if snapshot.state.current.is_terminal:
                    out.after_terminal(row)
                    trigger_execution_ended(row, plan.source)
            transaction.on_commit(out.send)
            return None
        events.extend(_waiting_subflow_results(row, plan, snapshot))
        task_runs = {t.id: t for t in task_rows}
        groups = _worker_groups()
        for _ in range(3):  # a child that cannot be created fails its task: decide again
            outcome = engine.process(
                plan,
                snapshot,
                events,
                at,
                envs=run_envs(),
                globals=settings.KESTRA["GLOBALS"],
                worker_groups=groups,
            )
            for dropped in outcome.dropped:
                logger.info("execution %s: dropped %s", execution_id, dropped)
            repository.save_task_runs(row, snapshot, outcome, task_runs)
            _save_logs(row, outcome.logs, at, snapshot)
            events = [_create_child(row, request, at, out) for request in outcome.subflow_requests]
            events = [event for event in events if event is not None]
            if not events:
                break
            task_runs = {t.id: t for t in TaskRun.objects.filter(execution=row)}
        repository.apply_execution(row, snapshot)
        if outcome.wake_at and (ticked or outcome.wake_at != row.wake_at):
            out.tick_at(row.id, outcome.wake_at)
        row.wake_at = outcome.wake_at
        row.save(update_fields=repository.EXECUTION_FIELDS)  # what a decision can change
        if was_state is not snapshot.state.current:
            flow_triggers.on_state_change(row, plan, snapshot)
        for request in outcome.new_execution_requests:
            out.tick(_create_retry(row, request))
        out.jobs(outcome.worker_jobs, _job_extras(row, plan, outcome.worker_jobs))
        out.kills(outcome.kill_jobs)
        if outcome.terminal and was_state is not snapshot.state.current:
            out.after_terminal(row)
            trigger_execution_ended(row, plan.source)  # unlock; stopAfter
        transaction.on_commit(out.send)
        faults.point("executor.before_commit")
    return outcome


def _job_extras(
    row: Execution, plan: engine.FlowPlan, jobs: list[engine.WorkerJob]
) -> dict[str, dict]:
    """What a job needs that the engine does not carry: the flow's SECRET inputs (the worker
    decrypts them) and the execution's error logs for `errorLogs()` (workers never read the
    database)."""
    if not jobs:
        return {}
    secrets = _secret_inputs(plan)
    extras: dict[str, dict] = {j.task_run_id: {"secret_inputs": secrets} for j in jobs if secrets}
    wanting = [j for j in jobs if _uses_error_logs(plan, j.task)]
    if not wanting:
        return extras
    error_logs = [
        {
            "taskId": task_id,
            "taskRunId": task_run_id,
            "message": message,
            "level": level,
            "timestamp": stamp.isoformat().replace("+00:00", "Z"),
        }
        for task_id, task_run_id, message, level, stamp in LogEntry.objects.filter(
            execution=row, level="ERROR"
        )
        .order_by("timestamp", "id")
        .values_list("task_id", "task_run_id", "message", "level", "timestamp")
    ]
    for job in wanting:
        extras.setdefault(job.task_run_id, {})["error_logs"] = error_logs
    return extras


def _secret_inputs(plan: engine.FlowPlan) -> list[dict]:
    """The flow's SECRET input declarations, computed once per compiled plan."""
    if "secret_inputs" not in plan.cache:
        declared = declared_list(plan.inputs)
        plan.cache["secret_inputs"] = [i for i in declared if i.get("type") == "SECRET"]
    return plan.cache["secret_inputs"]


def _uses_error_logs(plan: engine.FlowPlan, task: dict) -> bool:
    """Whether a task's properties call errorLogs(), computed once per task of a plan."""
    cached = plan.cache.setdefault("uses_error_logs", {})
    key = task.get("id")
    if key not in cached:
        cached[key] = "errorLogs" in json.dumps(task)
    return cached[key]


def _save_logs(
    row: Execution, lines: list[engine.LogLine], at: datetime, snapshot: engine.Execution
) -> None:
    if not lines:
        return
    task_ids = {t.id: t.task_id for t in snapshot.task_run_list}
    rows = LogEntry.objects.bulk_create(
        LogEntry.of(
            row,
            level=line.level,
            message=line.message,
            timestamp=at,
            task_run_id=line.task_run_id,
            task_id=task_ids.get(line.task_run_id),
        )
        for line in lines
    )
    rows_saved.send(sender=LogEntry, rows=rows)  # bulk_create sends no post_save


def _save_worker_logs(row: Execution, lines: list[dict], context: dict) -> None:
    rows = LogEntry.objects.bulk_create(
        LogEntry.of(
            row,
            level=line["level"],
            message=line["message"],
            timestamp=datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00")),
            # a WorkingDirectory's child logs name their own task run
            task_run_id=line.get("task_run_id") or context.get("task_run_id"),
            task_id=line.get("task_id") or context.get("task_id"),
            attempt_number=line.get("attempt") or context.get("attempt"),
        )
        for line in lines
    )
    rows_saved.send(sender=LogEntry, rows=rows)


def _create_child(
    parent: Execution, request: engine.SubflowRequest, at: datetime, out: dispatch.Dispatch
) -> engine.SubflowResult | None:
    """Create a subflow's execution (idempotent: the engine chose its id) and tick it; a flow
    that does not exist or refuses the inputs gives a failed SubflowResult instead."""
    from executions import services
    from kestra_site.errors import DomainError

    if not Execution.objects.filter(pk=request.execution_id).exists():
        trigger = {
            "id": request.parent_task_run_id,
            "type": "io.kestra.plugin.core.flow.Subflow",
            "variables": {
                "executionId": parent.id,
                "namespace": parent.namespace,
                "flowId": parent.flow_id,
                "flowRevision": parent.flow_revision,
                "taskRunId": request.parent_task_run_id,
            },
        }
        try:
            with transaction.atomic():
                services.execution_create_child(
                    parent=parent, request=request, trigger=trigger, at=at
                )
        except DomainError as error:
            return engine.SubflowResult(
                request.parent_task_run_id, request.execution_id, State.FAILED, error=str(error)
            )
    out.tick(request.execution_id)
    return None


def _create_retry(row: Execution, request: engine.NewExecutionRequest) -> str:
    from executions import services

    return services.execution_create_retry(original=row, request=request).id
