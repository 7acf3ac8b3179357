"""Starting a CREATED task run: runIf, worker jobs, flowables, subflows, the Labels task."""

from __future__ import annotations

import json
from typing import Any

from executions.engine import groups
from executions.engine.context import Run
from executions.engine.events import SubflowRequest, WorkerJob
from executions.engine.flowables import FlowableError, start_flowable
from executions.engine.model import Attempt, StateInfo, TaskRun, change_state
from executions.engine.plan import FOREACH_ITEM_EXECUTABLE, LABELS, PAUSE, WORKING_DIRECTORY, Node
from executions.engine.variables import task_variables
from executions.states import State
from flows.spec.durations import parse_duration

SYSTEM_PREFIX = "system."


def fail(run: Run, task_run: TaskRun, message: str) -> None:
    """End a task run FAILED from the executor side, with an error log line."""
    run.log("ERROR", message, task_run)
    if task_run.state.current.is_created:
        run.set_state(task_run, State.RUNNING)
    run.set_state(task_run, State.FAILED)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def start(run: Run, task_run: TaskRun) -> None:
    node = run.node_of(task_run)
    try:
        context = task_variables(run, node, task_run)
        if node.run_if is not None and not _truthy(run, node.run_if, context):
            run.set_state(task_run, State.SKIPPED)
            return
        if node.kind == "runnable":
            dispatch(run, node, task_run, context)
        elif node.type == WORKING_DIRECTORY:
            from executions.engine.working_directory import start_working_directory

            start_working_directory(run, node, task_run, context)
        elif node.kind == "flowable":
            start_flowable(run, node, task_run, context)
            run.set_state(task_run, State.RUNNING)
            if node.type == PAUSE:
                pause(run, node, task_run, context)
        elif node.type == LABELS:
            apply_labels(run, node, task_run, context)
        elif node.type == FOREACH_ITEM_EXECUTABLE:
            from executions.engine.foreach_item import start_items

            start_items(
                run,
                node,
                task_run,
                context,
                lambda spec, ctx, child_id: subflow_request(run, task_run, spec, ctx, child_id),
            )
        else:
            start_subflow(run, node, task_run, context)
    except FlowableError as error:
        fail(run, task_run, str(error))
    except Exception as error:
        if not is_render_error(error):
            raise
        fail(run, task_run, str(error))


def is_render_error(error: Exception) -> bool:
    """A failed render or parse of user data (not an engine bug): the task run FAILS."""
    return isinstance(error, ValueError) or any(
        cls.__name__ == "TemplateError" for cls in type(error).__mro__
    )


def _truthy(run: Run, value: Any, context: dict[str, Any]) -> bool:
    if isinstance(value, bool):
        return value
    return bool(run.renderer.is_true(str(value), context))


def dispatch(
    run: Run, node: Node, task_run: TaskRun, context: dict[str, Any] | None = None
) -> None:
    """Start a new attempt of a runnable task run on a worker."""
    if context is None:
        context = task_variables(run, node, task_run)
    config = groups.of(run)
    task_run.worker_group, fallback = groups.resolve(run, node, config)
    task_run.status_reason = None
    queue = task_run.worker_group or config.default
    served = config.available
    if served is not None and node.type not in config.executor_types and not served(queue):
        if not groups.unavailable(run, node, task_run, fallback, queue):
            return  # FAIL or CANCEL: no attempt, no job
    task_run.attempts.append(Attempt(StateInfo.starting(run.now, State.RUNNING)))
    run.set_state(task_run, State.RUNNING)
    run.mark(task_run)
    run.outcome.worker_jobs.append(
        WorkerJob(
            task_run_id=task_run.id,
            execution_id=run.execution.id,
            attempt=len(task_run.attempts),
            task=node.spec,
            variables=context,
            worker_group=task_run.worker_group,
            timeout=node.spec.get("timeout"),
        )
    )


def pause(run: Run, node: Node, task_run: TaskRun, context: dict[str, Any]) -> None:
    """A Pause pauses at once; a delay resumes it and a timeout fails it, by timer."""
    run.set_state(task_run, State.PAUSED)
    delay = node.spec.get("delay")
    timeout = node.spec.get("timeout")
    for raw, target in ((delay, State.RUNNING), (timeout, State.FAILED)):
        if raw:
            rendered = run.renderer.render(str(raw), context)
            task_run.resume_date = run.now + parse_duration(rendered)
            task_run.resume_state = target
            run.wake(task_run.resume_date)
            break
    if run.execution.state.current is State.RUNNING:
        run.set_execution_state(State.PAUSED)


def parse_labels(run: Run, raw: Any, context: dict[str, Any]) -> dict[str, str]:
    renderer = run.renderer
    if isinstance(raw, str):
        parsed = json.loads(renderer.render(raw, context))
        if isinstance(parsed, list):
            raw = parsed
        else:
            return {str(k): _text(v) for k, v in parsed.items()}
    if isinstance(raw, dict):
        return {
            renderer.render(str(k), context): renderer.render(_text(v), context)
            for k, v in raw.items()
        }
    if isinstance(raw, list):
        return {
            renderer.render(str(item["key"]), context): renderer.render(
                _text(item["value"]), context
            )
            for item in raw
        }
    raise FlowableError(f"Unknown value type: {type(raw).__name__}")


def apply_labels(run: Run, node: Node, task_run: TaskRun, context: dict[str, Any]) -> None:
    """The Labels task, applied by the executor: new keys override existing ones."""
    labels = parse_labels(run, node.spec.get("labels"), context)
    for key, value in labels.items():
        if key.startswith(SYSTEM_PREFIX):
            fail(
                run,
                task_run,
                f"System labels can only be set by Kestra itself, offending label: {key}={value}",
            )
            return
    merged = {item["key"]: item["value"] for item in run.execution.labels}
    merged.update(labels)
    run.execution.labels = [{"key": k, "value": v} for k, v in merged.items()]
    run.outcome.execution_changed = True
    task_run.attempts.append(Attempt(StateInfo.starting(run.now, State.SUCCESS)))
    run.set_state(task_run, State.RUNNING)
    run.set_state(task_run, State.SUCCESS)


def subflow_request(
    run: Run, task_run: TaskRun, spec: dict[str, Any], context: dict[str, Any], child_id: str
) -> SubflowRequest:
    """The child execution a Subflow-like task asks for: rendered inputs, labels, correlation."""
    renderer = run.renderer
    inputs = renderer.render_value(spec.get("inputs") or {}, context)
    labels: list[dict[str, str]] = []
    if spec.get("inheritLabels"):
        labels = [
            dict(item)
            for item in run.execution.labels
            if not str(item.get("key", "")).startswith(SYSTEM_PREFIX)
        ]
    if spec.get("labels"):
        declared = parse_labels(run, spec["labels"], context)
        labels = [item for item in labels if item["key"] not in declared]
        labels += [{"key": k, "value": v} for k, v in declared.items()]
    correlation = next(
        (
            item["value"]
            for item in run.execution.labels
            if item.get("key") == "system.correlationId"
        ),
        run.execution.id,
    )
    labels.append({"key": "system.correlationId", "value": correlation})
    revision = spec.get("revision")
    return SubflowRequest(
        parent_task_run_id=task_run.id,
        parent_execution_id=run.execution.id,
        execution_id=child_id,
        namespace=renderer.render(str(spec.get("namespace")), context),
        flow_id=renderer.render(str(spec.get("flowId")), context),
        revision=int(revision) if revision is not None else None,
        inputs=inputs,
        labels=labels,
        wait=spec.get("wait", True) is not False,
        transmit_failed=spec.get("transmitFailed", True) is not False,
        inherit_labels=bool(spec.get("inheritLabels")),
    )


def start_subflow(run: Run, node: Node, task_run: TaskRun, context: dict[str, Any]) -> None:
    """Ask for a child execution; with wait: false the task run succeeds at once."""
    child_id = run.ids()
    request = subflow_request(run, task_run, node.spec, context, child_id)
    run.outcome.subflow_requests.append(request)
    task_run.attempts.append(Attempt(StateInfo.starting(run.now, State.RUNNING)))
    task_run.flowable = {"executionId": child_id}
    run.set_state(task_run, State.RUNNING)
    run.set_outputs(task_run, {"executionId": child_id})
    if not request.wait:
        change_state(task_run.attempts[-1], State.SUCCESS, run.now)
        run.set_state(task_run, State.SUCCESS)
