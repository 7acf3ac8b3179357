"""Run variables as Kestra's RunVariables builds them: flow, execution, task, taskrun, outputs..."""

from __future__ import annotations

from typing import Any

from executions.engine.context import Run
from executions.engine.model import Execution, TaskRun, format_date
from executions.engine.plan import WORKING_DIRECTORY, FlowPlan, Node


def nested_labels(labels: list[dict[str, str]]) -> dict[str, Any]:
    """Labels as a map, dotted keys nested (labels.system.correlationId); the first key wins."""
    result: dict[str, Any] = {}
    for label in labels:
        key, value = label.get("key"), label.get("value")
        if key is None or value is None:
            continue
        parts = str(key).split(".")
        target = result
        for part in parts[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                if nxt is not None:
                    break
                nxt = target[part] = {}
            target = nxt
        else:
            target.setdefault(parts[-1], value)
        result.setdefault(str(key), value)
    return result


def execution_inputs(plan: FlowPlan, execution: Execution) -> dict[str, Any]:
    """The execution's inputs plus the declared defaults of missing ones (as RunVariables)."""
    inputs = dict(execution.inputs or {})
    for declared in plan.inputs:
        key = declared.get("id")
        if key is not None and key not in inputs and declared.get("defaults") is not None:
            inputs[key] = declared["defaults"]
    return inputs


def execution_variables(
    plan: FlowPlan,
    execution: Execution,
    outputs: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The variables every task of the execution shares (also a subflow's child context)."""
    extra = extra or {}
    variables: dict[str, Any] = {
        "envs": extra.get("envs") or {},
        "globals": extra.get("globals") or {},
        "flow": {
            "id": plan.id,
            "namespace": plan.namespace,
            "revision": execution.flow_revision
            if execution.flow_revision is not None
            else plan.revision,
        },
    }
    if plan.variables is not None:
        variables["vars"] = plan.variables
    info: dict[str, Any] = {
        "id": execution.id,
        "startDate": format_date(execution.state.start_date),
    }
    if execution.original_id:
        info["originalId"] = execution.original_id
    variables["execution"] = info
    variables["outputs"] = outputs
    inputs = execution_inputs(plan, execution)
    if inputs:
        variables["inputs"] = inputs
    if execution.trigger and execution.trigger.get("variables") is not None:
        variables["trigger"] = execution.trigger["variables"]
    if execution.labels:
        variables["labels"] = nested_labels(execution.labels)
    if execution.variables:
        variables.update(execution.variables)
    return variables


def taskrun_map(task_run: TaskRun) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": task_run.id,
        "startDate": format_date(task_run.state.start_date),
        "attemptsCount": len(task_run.attempts),
    }
    if task_run.parent_task_run_id is not None:
        data["parentId"] = task_run.parent_task_run_id
    if task_run.value is not None:
        data["value"] = task_run.value
    if task_run.iteration is not None:
        data["iteration"] = task_run.iteration
    return data


def base_variables(run: Run) -> dict[str, Any]:
    cached = run.extra.get("_base")
    if cached is None or cached[0] is not run.all_outputs():
        outputs = run.all_outputs()
        cached = (outputs, execution_variables(run.plan, run.execution, outputs, run.extra))
        run.extra["_base"] = cached
    return cached[1]


def task_variables(run: Run, node: Node | None, task_run: TaskRun | None) -> dict[str, Any]:
    """The full context of one task run (execution variables + task, taskrun, parents)."""
    variables = dict(base_variables(run))
    if node is not None:
        variables["task"] = {"id": node.id, "type": node.type}
    if task_run is not None:
        variables["taskrun"] = taskrun_map(task_run)
        parents = []
        ancestors = run.parents(task_run)
        for ancestor in reversed(ancestors):
            item: dict[str, Any] = {}
            if ancestor.value is not None:
                item["taskrun"] = {"value": ancestor.value}
            if ancestor.outputs:
                item["outputs"] = ancestor.outputs
            if item:
                parents.append(item)
        variables["parents"] = parents
        if parents:
            variables["parent"] = parents[0]
        if ancestors and run.node_of(ancestors[-1]).type == WORKING_DIRECTORY:
            variables["workerTaskrun"] = taskrun_map(ancestors[-1])
    return variables


def subflow_variables(plan: FlowPlan, execution: Execution) -> dict[str, Any]:
    """A finished child execution's variables, to render a Subflow task's `outputs:` in."""
    from executions.engine.core import default_renderer
    from executions.engine.model import new_id, utcnow

    run = Run(plan, execution, utcnow(), default_renderer(), new_id, {})
    return execution_variables(plan, execution, run.all_outputs())
