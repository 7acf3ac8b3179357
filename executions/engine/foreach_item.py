"""ForEachItem: a subflow execution per batch of a file, as Kestra runs it.

The compiled plan expands a ForEachItem into a sequential flowable with three internal tasks
(`plan.foreach_item_tasks`): `<id>_split` and `<id>_merge` are runnables on a worker (they read
and write internal storage, which the engine never touches) and `<id>_items` is the executable
decided here. The split's outputs carry `splits` (Kestra's file of batch URIs) and `batches`
(the same URIs as a list, since the engine cannot read the file). `<id>_items` asks for one
child execution per batch, rendering the inputs with `taskrun.items` (the batch URI) and
`taskrun.iteration`; it keeps the child ids and the states of the ended ones in its `flowable`
and counts them in `iterations` (Kestra's ExecutableUtils.manageIterations). Once every child
has ended it takes Kestra's terminal state (a FAILED child fails it when `transmitFailed`) and
outputs `subflowOutputsBaseUri`, where the executor wrote each child's flow outputs
(`<base>/<iteration>/outputs.ion`) for `<id>_merge` to gather.
"""

from __future__ import annotations

from typing import Any

from executions.engine.context import Run
from executions.engine.events import SubflowRequest, SubflowResult
from executions.engine.model import Attempt, Execution, StateInfo, TaskRun, change_state
from executions.engine.plan import Node
from executions.states import State
from executions.templating.filters.text import slugify

ITERATIONS = "iterations"
BATCHES = "numberOfBatches"
OUTPUTS_BASE = "subflowOutputsBaseUri"


def outputs_base(execution: Execution, task_run: TaskRun) -> str:
    """The storage folder of a task run (Kestra's context base URI path), no scheme."""
    namespace = execution.namespace.replace(".", "/")
    return (
        f"/{namespace}/{slugify(execution.flow_id)}/executions/{execution.id}"
        f"/tasks/{task_run.task_id}/{task_run.id}"
    )


def _split_outputs(run: Run, task_run: TaskRun) -> dict[str, Any]:
    split_id = task_run.task_id[: task_run.task_id.rindex("_")] + "_split"
    for sibling in run.children.get(task_run.parent_task_run_id, ()):
        if sibling.task_id == split_id:
            return sibling.outputs or {}
    return {}


def child_ids(task_run: TaskRun) -> list[str]:
    """The child executions of a `_items` task run, in iteration order."""
    return list((task_run.flowable or {}).get("executions") or [])


def start_items(
    run: Run,
    node: Node,
    task_run: TaskRun,
    context: dict[str, Any],
    request: Any,
) -> None:
    """One SubflowRequest per batch; `request(spec, context, child_id)` builds each one as a
    Subflow task would (namespace, flow, labels...)."""
    from executions.engine.flowables import FlowableError

    batches = _split_outputs(run, task_run).get("batches")
    if batches is None:
        raise FlowableError(f"No batches found: the task '{node.id}' needs its split task")
    task_run.attempts.append(Attempt(StateInfo.starting(run.now, State.RUNNING)))
    run.set_state(task_run, State.RUNNING)
    if not batches:
        _end(run, task_run, State.SUCCESS, None)
        return
    wait = node.spec.get("wait", True) is not False
    ids = []
    for iteration, uri in enumerate(batches, start=1):
        taskrun = {**context.get("taskrun", {}), "items": uri, "iteration": iteration}
        child_id = run.ids()
        ids.append(child_id)
        built: SubflowRequest = request(node.spec, {**context, "taskrun": taskrun}, child_id)
        run.outcome.subflow_requests.append(built)
    task_run.flowable = {"executions": ids, "ended": {}}
    count = len(ids)
    if wait:
        run.set_outputs(task_run, {BATCHES: count, ITERATIONS: {"CREATED": 0, "RUNNING": count}})
    else:
        # Kestra ends every iteration at once: each RUNNING -> SUCCESS, never CREATED.
        iterations = {"RUNNING": 0, "SUCCESS": count}
        _end(run, task_run, State.SUCCESS, {BATCHES: count, ITERATIONS: iterations})


def _end(run: Run, task_run: TaskRun, state: State, outputs: dict[str, Any] | None) -> None:
    if outputs is not None:
        run.set_outputs(task_run, outputs)
    change_state(task_run.attempts[-1], state, run.now)
    run.set_state(task_run, state)


def _terminal_state(iterations: dict[str, int], node: Node) -> State:
    """ExecutableUtils.findTerminalState."""
    if iterations.get("FAILED", 0) > 0:
        if node.allow_failure:
            return State.SUCCESS if node.allow_warning else State.WARNING
        return State.FAILED
    if iterations.get("KILLED", 0) > 0:
        return State.KILLED
    if iterations.get("WARNING", 0) > 0:
        return State.SUCCESS if node.allow_warning else State.WARNING
    return State.SUCCESS


def child_result(run: Run, node: Node, task_run: TaskRun, event: SubflowResult) -> bool:
    """Count an ended child in `iterations`; False when the event is not about a child of this
    task run. A repeated result changes nothing."""
    ids = child_ids(task_run)
    if event.child_execution_id not in ids:
        return False
    flowable = dict(task_run.flowable or {})
    ended = dict(flowable.get("ended") or {})
    if event.child_execution_id in ended:
        return True
    state = State.FAILED if event.error is not None else State(event.state)
    if event.error is not None:
        run.log("ERROR", event.error, task_run)
    ended[event.child_execution_id] = state.value
    task_run.flowable = {**flowable, "ended": ended}
    run.mark(task_run)
    iterations: dict[str, int] = {"CREATED": 0, "RUNNING": len(ids) - len(ended)}
    for value in ended.values():
        iterations[value] = iterations.get(value, 0) + 1
    outputs: dict[str, Any] = {BATCHES: len(ids), ITERATIONS: iterations}
    if len(ended) < len(ids):
        run.set_outputs(task_run, outputs)
        return True
    transmit = node.spec.get("transmitFailed", True) is not False
    final = _terminal_state(iterations, node) if transmit else State.SUCCESS
    outputs[OUTPUTS_BASE] = outputs_base(run.execution, task_run)
    _end(run, task_run, final, outputs)
    return True
