"""User actions on executions (kill, pause, resume, restart, replay, ...) under its row lock."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.db import transaction

from executions import dispatch, engine, executor, repository
from executions.engine import actions
from executions.models import Execution, LogEntry, TaskRun
from executions.services.creation import insert_execution, now, read_flow_inputs
from executions.states import State
from flows import selectors as flow_selectors
from indexer.signals import rows_saved
from kestra_site.errors import Conflict, DomainError, InvalidInput, NotFound

SYSTEM_PREFIX = "system."
CORRELATION_ID = "system.correlationId"


def _act(execution_id: str, event: engine.Event) -> Execution:
    found = Execution.objects.filter(pk=execution_id).exists()
    if not found:
        from kestra_site.errors import NotFound

        raise NotFound(f"Execution not found: {execution_id}")
    try:
        executor.execution_process(execution_id, [event])
    except engine.InvalidResume as error:
        raise InvalidInput(str(error), path="inputs") from error
    return Execution.objects.get(pk=execution_id)


def execution_kill(execution_id: str) -> Execution:
    """Kill an execution and, through the engine, its running tasks and child executions."""
    row = Execution.objects.filter(pk=execution_id).first()
    if row is not None and State(row.state).is_terminal:
        raise InvalidInput(f"Execution {execution_id} is already {row.state}", path="state")
    return _act(execution_id, engine.Kill())


def execution_pause(execution_id: str) -> Execution:
    row = Execution.objects.filter(pk=execution_id).first()
    if row is not None and row.state != State.RUNNING.value:
        raise InvalidInput(f"Only a RUNNING execution can be paused, not {row.state}", path="state")
    return _act(execution_id, engine.Pause())


def execution_resume(execution_id: str, inputs: dict[str, Any] | None = None) -> Execution:
    row = Execution.objects.filter(pk=execution_id).first()
    if row is not None and row.state != State.PAUSED.value:
        raise InvalidInput(f"Only a PAUSED execution can be resumed, not {row.state}", path="state")
    return _act(execution_id, engine.Resume(None, inputs))


# ---- restart, replay, change state, labels, delete, wait (the execution API's writes) ----------


def _action_error(error: actions.ActionError) -> DomainError:
    if error.conflict:
        return Conflict(error.message, path=error.path)
    return InvalidInput(error.message, path=error.path)


def locked(execution_id: str) -> tuple[Execution, list[TaskRun]]:
    """The execution row under the executor's row lock, with its task runs (in a transaction)."""
    row = Execution.objects.select_for_update().filter(pk=execution_id).first()
    if row is None:
        raise NotFound(f"Execution not found: {execution_id}")
    return row, list(TaskRun.objects.filter(execution=row).order_by("position"))


def _log(row: Execution, messages: list[str], at: datetime) -> None:
    rows = LogEntry.objects.bulk_create(
        LogEntry.of(row, level="INFO", message=message, timestamp=at) for message in messages
    )
    rows_saved.send(sender=LogEntry, rows=rows)  # bulk_create sends no post_save: the indexer


def _save_changes(
    row: Execution,
    snapshot: engine.Execution,
    changes: actions.Changes,
    task_rows: list[TaskRun],
    at: datetime,
) -> None:
    """Write a transform's result: delete dropped task runs, update the changed ones, keep
    positions contiguous (new task runs are appended after them), then wake the executor."""
    if changes.removed:
        TaskRun.objects.filter(execution=row, id__in=changes.removed).delete()
    removed = set(changes.removed)
    existing = {t.id: t for t in task_rows if t.id not in removed}
    moved = []
    for position, task_row in enumerate(existing.values()):
        if task_row.position != position:
            task_row.position = position
            moved.append(task_row)
    if moved:
        TaskRun.objects.bulk_update(moved, ["position"])
    outcome = engine.Outcome(changed_task_runs=[i for i in changes.changed if i in existing])
    repository.save_task_runs(row, snapshot, outcome, existing)
    repository.apply_execution(row, snapshot)
    row.wake_at = None
    row.save()
    _log(row, changes.logs, at)
    transaction.on_commit(lambda: dispatch.kick(row.id))


def _check_revision(row: Execution, revision: int | None) -> int:
    if revision is None:
        return row.flow_revision
    flow_selectors.flow_revision_definition(row.namespace, row.flow_id, revision)  # 404 if absent
    return revision


def execution_restart(execution_id: str, *, revision: int | None = None) -> Execution:
    """Kestra's restart: the failed task runs of a terminated execution run again, in the same
    execution (a new attempt each). With another `revision`, a new execution is made instead."""
    at = now()
    with transaction.atomic():
        row, task_rows = locked(execution_id)
        if revision is not None and revision != row.flow_revision:
            return _replay_failed(row, task_rows, _check_revision(row, revision), at)
        plan = executor.flow_plan(row.namespace, row.flow_id, row.flow_revision)
        snapshot = repository.to_snapshot(row, task_rows)
        try:
            changes = actions.restart(plan, snapshot, at)
        except actions.ActionError as error:
            raise _action_error(error) from error
        _save_changes(row, snapshot, changes, task_rows, at)
    return row


def _replay_failed(row: Execution, task_rows: list[TaskRun], revision: int, at: datetime):
    """Restart on another revision: the restarted copy becomes a new execution."""
    plan = executor.flow_plan(row.namespace, row.flow_id, revision)
    snapshot = repository.to_snapshot(row, task_rows)
    try:
        actions.restart(plan, snapshot, at)
    except actions.ActionError as error:
        raise _action_error(error) from error
    fresh = engine.Execution.from_dict(snapshot.to_dict())
    mapping = {t.id: engine.new_id() for t in fresh.task_run_list}
    fresh.id = engine.new_id()
    fresh.parent_id = row.id
    fresh.flow_revision = revision
    for task_run in fresh.task_run_list:
        task_run.id = mapping[task_run.id]
        task_run.execution_id = fresh.id
        task_run.parent_task_run_id = mapping.get(task_run.parent_task_run_id or "")
    return _insert_copy(fresh, row.trigger)


def _insert_copy(snapshot: engine.Execution, trigger: dict | None) -> Execution:
    new_row = insert_execution(snapshot, trigger=trigger)
    new_row.outputs = snapshot.outputs
    new_row.variables = snapshot.variables
    new_row.save(update_fields=["outputs", "variables"])
    outcome = engine.Outcome(new_task_runs=[t.id for t in snapshot.task_run_list])
    repository.save_task_runs(new_row, snapshot, outcome, {})
    transaction.on_commit(lambda: dispatch.kick(new_row.id))
    return new_row


def execution_replay(
    execution_id: str,
    *,
    task_run_id: str | None = None,
    revision: int | None = None,
    inputs: dict[str, Any] | None = None,
) -> Execution:
    """Kestra's replay: a new execution of the same flow, from scratch or from a task run
    (the task runs before it are copied). `inputs` (replay with inputs) are read again."""
    at = now()
    with transaction.atomic():
        row, task_rows = locked(execution_id)
        revision = _check_revision(row, revision)
        plan = executor.flow_plan(row.namespace, row.flow_id, revision)
        snapshot = repository.to_snapshot(row, task_rows)
        new_id = engine.new_id()
        try:
            fresh = actions.replay(
                plan, snapshot, at, new_id=new_id, ids=engine.new_id, task_run_id=task_run_id
            )
        except actions.ActionError as error:
            raise _action_error(error) from error
        fresh.flow_revision = revision
        if inputs is not None:
            definition = flow_selectors.flow_revision_definition(
                row.namespace, row.flow_id, revision
            )
            fresh.inputs = read_flow_inputs(definition, inputs, row.namespace, row.flow_id, new_id)
        return _insert_copy(fresh, row.trigger)


def execution_change_task_run_state(execution_id: str, task_run_id: str, state: str) -> Execution:
    """Kestra's markAs: set a task run of a terminated execution to SUCCESS, WARNING or
    FAILED (its flowable parents go back to RUNNING) and let the execution carry on."""
    if state not in State.__members__:
        raise InvalidInput(f"unknown state {state!r}", path="state")
    at = now()
    with transaction.atomic():
        row, task_rows = locked(execution_id)
        plan = executor.flow_plan(row.namespace, row.flow_id, row.flow_revision)
        snapshot = repository.to_snapshot(row, task_rows)
        try:
            changes = actions.mark_as(plan, snapshot, at, task_run_id, State(state))
        except actions.ActionError as error:
            raise _action_error(error) from error
        _save_changes(row, snapshot, changes, task_rows, at)
    return row


def execution_set_labels(execution_id: str, labels: list[dict]) -> Execution:
    """Replace the labels of a terminated execution; system labels are kept and can't be set."""
    cleaned: dict[str, str] = {}
    for index, label in enumerate(labels):
        key, value = label.get("key"), label.get("value")
        if not key or not isinstance(key, str) or value is None:
            raise InvalidInput("a label needs a key and a value", path=f"labels[{index}]")
        if key.startswith(SYSTEM_PREFIX):
            raise InvalidInput(
                f"System labels can only be set by Kestra itself, offending label: {key}={value}",
                path=f"labels[{index}].key",
            )
        cleaned[key] = str(value)
    with transaction.atomic():
        row, _ = locked(execution_id)
        if not State(row.state).is_terminal:
            raise Conflict(f"Execution {execution_id} is not terminated", path="state")
        system = [x for x in row.labels or [] if str(x.get("key", "")).startswith(SYSTEM_PREFIX)]
        row.labels = [{"key": k, "value": v} for k, v in cleaned.items()] + system
        row.save(update_fields=["labels", "updated"])
    return row


def execution_wait(execution_id: str, timeout: float | None = None) -> Execution:
    """Poll until the execution is terminal (or the timeout passes); returns the latest row."""
    from django.conf import settings

    limit = settings.KESTRA["WAIT_TIMEOUT_SECONDS"] if timeout is None else timeout
    start = time.monotonic()
    deadline = start + limit
    while True:
        row = Execution.objects.get(pk=execution_id)
        now = time.monotonic()
        if State(row.state).is_terminal or now >= deadline:
            return row
        # Short flows end in tens of milliseconds: look every 5 ms (a primary-key read) for the
        # first half second, then back off to 250 ms. A 1.5x back-off from 20 ms doubled the
        # median wait=true latency of a one-task flow (bench: 46 ms seen vs 20 ms server-side).
        elapsed = now - start
        time.sleep(0.005 if elapsed < 0.5 else min(0.25, elapsed / 4))


def execution_resume_typed(execution_id: str, raw: dict[str, Any] | None) -> Execution:
    """Resume with the paused Pause task's `onResume` inputs read as typed inputs first (a
    value of the wrong type is a 422 naming `inputs.<id>`, as at creation)."""
    row = Execution.objects.filter(pk=execution_id).first()
    if row is None:
        raise NotFound(f"Execution not found: {execution_id}")
    paused = (
        TaskRun.objects.filter(execution=row, state=State.PAUSED.value)
        .order_by("position")
        .values_list("task_id", flat=True)
        .first()
    )
    declared = []
    if paused is not None and row.state == State.PAUSED.value:
        plan = executor.flow_plan(row.namespace, row.flow_id, row.flow_revision)
        declared = plan.nodes[paused].spec.get("onResume") or []
    if declared:
        raw = read_flow_inputs({"inputs": declared}, raw or {}, row.namespace, row.flow_id, row.id)
    return execution_resume(execution_id, raw or None)
