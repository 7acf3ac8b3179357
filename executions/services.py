"""Execution writes outside the executor's hop: creating executions and asking for changes.

State changes of an existing execution go through `executor.execution_process`, the one write
path, under the execution's row lock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from executions import dispatch, engine, executor, repository
from executions.engine import actions
from executions.inputs import InputError, read_inputs
from executions.models import Execution, LogEntry, TaskRun
from executions.states import State
from flows import selectors as flow_selectors
from kestra_site import encryption, storage
from kestra_site.errors import Conflict, DomainError, InvalidInput, NotFound

SYSTEM_PREFIX = "system."
CORRELATION_ID = "system.correlationId"


def _now() -> datetime:
    return datetime.now(UTC)


def _labels(flow_labels: list[dict], extra: list[dict] | None, correlation_id: str) -> list[dict]:
    """Flow labels (minus system ones), then the execution's, then the correlation id."""
    merged: dict[str, str] = {}
    for label in flow_labels or []:
        if not str(label["key"]).startswith(SYSTEM_PREFIX):
            merged[str(label["key"])] = str(label["value"])
    for label in extra or []:
        merged[str(label["key"])] = str(label["value"])
    merged.setdefault(CORRELATION_ID, correlation_id)
    return [{"key": k, "value": v} for k, v in merged.items()]


def parse_labels(raw: list[str]) -> list[dict]:
    """`key:value` strings (Kestra's `labels` query parameter) to label dicts."""
    labels = []
    for item in raw:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise InvalidInput(f"labels must be written key:value, got {item!r}", path="labels")
        if key.startswith(SYSTEM_PREFIX) and key != CORRELATION_ID:
            raise InvalidInput(
                f"System labels can only be set by Kestra itself: {key}", path="labels"
            )
        labels.append({"key": key, "value": value})
    return labels


def _read_inputs(
    definition: dict, raw: dict[str, Any], namespace: str, flow_id: str, execution_id: str
) -> dict[str, Any]:
    prefix = storage.execution_prefix(namespace, flow_id, execution_id)

    def store_file(input_id: str, content: Any) -> str:
        name = getattr(content, "name", None) or input_id
        filename = str(name).replace("\\", "/").rsplit("/", 1)[-1] or input_id
        return storage.put(f"{prefix}/inputs/{input_id}/{filename}", content)

    try:
        return read_inputs(
            definition.get("inputs") or [],
            raw,
            store_file=store_file,
            encrypt=encryption.encrypt if encryption.configured() else None,
        )
    except InputError as error:
        message = "\n".join(str(v) for v in error.violations)
        raise InvalidInput(message, violations=error.violations) from error


def _insert(
    snapshot: engine.Execution,
    *,
    tenant: str = "main",
    parent_task_run: str | None = None,
    trigger: dict | None = None,
) -> Execution:
    row = Execution(
        id=snapshot.id,
        tenant=tenant,
        namespace=snapshot.namespace,
        flow_id=snapshot.flow_id,
        flow_revision=snapshot.flow_revision,
        state=snapshot.state.current.value,
        state_histories=snapshot.state.to_dict()["histories"],
        start_date=snapshot.state.start_date,
        inputs=snapshot.inputs,
        labels=snapshot.labels,
        parent_id=snapshot.parent_id,
        original_id=snapshot.original_id,
        trigger=trigger or snapshot.trigger,
        attempt_number=snapshot.attempt_number,
        original_created_date=snapshot.original_created_date,
        schedule_date=snapshot.schedule_date,
    )
    row.save(force_insert=True)
    return row


def execution_create(
    *,
    namespace: str,
    flow_id: str,
    inputs: dict[str, Any] | None = None,
    labels: list[dict] | None = None,
    revision: int | None = None,
    trigger: dict | None = None,
    schedule_date: datetime | None = None,
    typed_inputs: bool = True,
) -> Execution:
    """Start a flow: typed, validated inputs (422 naming the input), a CREATED execution, and a
    tick for the executor once committed. Nothing is written when an input is refused."""
    flow = flow_selectors.flow_get(namespace, flow_id)
    if flow.disabled:
        raise InvalidInput(f"Cannot execute disabled flow {namespace}.{flow_id}", path="flow")
    revision = revision or flow.revision
    definition = flow_selectors.flow_revision_definition(namespace, flow_id, revision)
    execution_id = engine.new_id()
    at = _now()
    values = (
        _read_inputs(definition, inputs or {}, namespace, flow_id, execution_id)
        if typed_inputs
        else inputs
    )
    snapshot = engine.Execution.new(
        flow_id,
        namespace,
        at,
        id=execution_id,
        revision=revision,
        inputs=values,
        labels=_labels(definition.get("labels") or [], labels, execution_id),
        trigger=trigger,
        schedule_date=schedule_date,
    )
    with transaction.atomic():
        row = _insert(snapshot, trigger=trigger)
        transaction.on_commit(lambda: dispatch.send_tick(row.id))
    return row


def execution_create_child(
    *, parent: Execution, request: engine.SubflowRequest, trigger: dict, at: datetime
) -> Execution:
    """A Subflow's child execution, inside the parent's executor transaction."""
    flow = flow_selectors.flow_get(request.namespace, request.flow_id)
    revision = request.revision or flow.revision
    definition = flow_selectors.flow_revision_definition(
        request.namespace, request.flow_id, revision
    )
    values = _read_inputs(
        definition, request.inputs or {}, request.namespace, request.flow_id, request.execution_id
    )
    correlation = next(
        (label["value"] for label in parent.labels or [] if label["key"] == CORRELATION_ID),
        parent.id,
    )
    snapshot = engine.Execution.new(
        request.flow_id,
        request.namespace,
        at,
        id=request.execution_id,
        revision=revision,
        inputs=values,
        labels=_labels(definition.get("labels") or [], request.labels, correlation),
        parent_id=parent.id,
        schedule_date=request.schedule_date,
    )
    return _insert(snapshot, trigger=trigger)


def execution_create_retry(
    *, original: Execution, request: engine.NewExecutionRequest
) -> Execution:
    """A flow retry with CREATE_NEW_EXECUTION: the same inputs and labels, the next attempt."""
    snapshot = engine.Execution.new(
        request.flow_id,
        request.namespace,
        _now(),
        revision=request.revision,
        inputs=request.inputs,
        labels=request.labels,
        original_id=original.original_id,
        attempt_number=request.attempt_number,
        schedule_date=request.date,
    )
    snapshot.original_created_date = original.original_created_date
    return _insert(snapshot, trigger=original.trigger)


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


def _locked(execution_id: str) -> tuple[Execution, list[TaskRun]]:
    """The execution row under the executor's row lock, with its task runs (in a transaction)."""
    row = Execution.objects.select_for_update().filter(pk=execution_id).first()
    if row is None:
        raise NotFound(f"Execution not found: {execution_id}")
    return row, list(TaskRun.objects.filter(execution=row).order_by("position"))


def _log(row: Execution, messages: list[str], at: datetime) -> None:
    LogEntry.objects.bulk_create(
        LogEntry(
            execution=row,
            tenant=row.tenant,
            namespace=row.namespace,
            flow_id=row.flow_id,
            level="INFO",
            message=message,
            timestamp=at,
        )
        for message in messages
    )


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
    transaction.on_commit(lambda: dispatch.send_tick(row.id))


def _check_revision(row: Execution, revision: int | None) -> int:
    if revision is None:
        return row.flow_revision
    flow_selectors.flow_revision_definition(row.namespace, row.flow_id, revision)  # 404 if absent
    return revision


def execution_restart(execution_id: str, *, revision: int | None = None) -> Execution:
    """Kestra's restart: the failed task runs of a terminated execution run again, in the same
    execution (a new attempt each). With another `revision`, a new execution is made instead."""
    at = _now()
    with transaction.atomic():
        row, task_rows = _locked(execution_id)
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
    new_row = _insert(snapshot, trigger=trigger)
    new_row.outputs = snapshot.outputs
    new_row.variables = snapshot.variables
    new_row.save(update_fields=["outputs", "variables"])
    outcome = engine.Outcome(new_task_runs=[t.id for t in snapshot.task_run_list])
    repository.save_task_runs(new_row, snapshot, outcome, {})
    transaction.on_commit(lambda: dispatch.send_tick(new_row.id))
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
    at = _now()
    with transaction.atomic():
        row, task_rows = _locked(execution_id)
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
            fresh.inputs = _read_inputs(definition, inputs, row.namespace, row.flow_id, new_id)
        return _insert_copy(fresh, row.trigger)


def execution_change_task_run_state(execution_id: str, task_run_id: str, state: str) -> Execution:
    """Kestra's markAs: set a task run of a terminated execution to SUCCESS, WARNING or
    FAILED (its flowable parents go back to RUNNING) and let the execution carry on."""
    if state not in State.__members__:
        raise InvalidInput(f"unknown state {state!r}", path="state")
    at = _now()
    with transaction.atomic():
        row, task_rows = _locked(execution_id)
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
        row, _ = _locked(execution_id)
        if not State(row.state).is_terminal:
            raise Conflict(f"Execution {execution_id} is not terminated", path="state")
        system = [x for x in row.labels or [] if str(x.get("key", "")).startswith(SYSTEM_PREFIX)]
        row.labels = [{"key": k, "value": v} for k, v in cleaned.items()] + system
        row.save(update_fields=["labels", "updated"])
    return row


def _delete_storage(prefix: str) -> None:
    backend = storage.internal_storage()
    try:
        folders, files = backend.listdir(prefix)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        backend.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_storage(f"{prefix}/{folder}")


def execution_delete(
    execution_id: str, *, delete_storage: bool = True, include_non_terminated: bool = False
) -> None:
    """Delete an execution with its task runs and logs (and its files). A running one is
    refused unless `include_non_terminated` (late worker results for it are then dropped)."""
    with transaction.atomic():
        row, _ = _locked(execution_id)
        if not State(row.state).is_terminal and not include_non_terminated:
            raise Conflict(
                f"Execution {execution_id} is {row.state}: kill it before deleting it",
                path="state",
            )
        prefix = storage.execution_prefix(row.namespace, row.flow_id, row.id)
        row.delete()
    if delete_storage:
        _delete_storage(prefix)


def executions_delete(
    ids: list[str], *, include_non_terminated: bool = False, delete_storage: bool = True
) -> int:
    """Delete several executions, all or none: unknown or running ones are named in a 422."""
    with transaction.atomic():
        rows = {r.id: r for r in Execution.objects.select_for_update().filter(pk__in=ids)}
        invalid = [
            f"{i}: execution not found"
            if i not in rows
            else f"{i}: execution not terminated ({rows[i].state})"
            for i in ids
            if i not in rows
            or (not State(rows[i].state).is_terminal and not include_non_terminated)
        ]
        if invalid:
            raise InvalidInput("invalid bulk delete: " + "; ".join(invalid), path="executionsId")
        for execution_id in ids:
            execution_delete(
                execution_id,
                delete_storage=delete_storage,
                include_non_terminated=include_non_terminated,
            )
    return len(ids)


def logs_delete(execution_id: str, **filters: Any) -> int:
    """Delete the logs of an execution (optionally only some: level, task run, task, attempt)."""
    from executions import selectors

    selectors.execution_get(execution_id)
    deleted, _ = selectors.logs_of_execution(execution_id, **filters).delete()
    return deleted


def execution_wait(execution_id: str, timeout: float | None = None) -> Execution:
    """Poll until the execution is terminal (or the timeout passes); returns the latest row."""
    from django.conf import settings

    limit = settings.KESTRA["WAIT_TIMEOUT_SECONDS"] if timeout is None else timeout
    deadline = time.monotonic() + limit
    delay = 0.02
    while True:
        row = Execution.objects.get(pk=execution_id)
        if State(row.state).is_terminal or time.monotonic() >= deadline:
            return row
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


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
        raw = _read_inputs({"inputs": declared}, raw or {}, row.namespace, row.flow_id, row.id)
    return execution_resume(execution_id, raw or None)
