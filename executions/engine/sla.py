"""Flow SLAs (`sla:`): MAX_DURATION and EXECUTION_ASSERTION, checked on every decision.

As Kestra's executor does: before deciding, an open execution's assertions are rendered
against it (the first violated one acts: FAIL or CANCEL end the execution, NONE does not;
its `labels` are added either way), and a MAX_DURATION whose deadline (start + duration) has
passed acts the same way. An SLA whose duration has not passed yet asks for a wake-up at its
deadline (the executor's timer). Like Kestra's SLA monitors, a MAX_DURATION applies to the
first run of an execution only, not after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from executions.engine.context import Run
from executions.engine.events import KillJob
from executions.engine.model import TaskRun, change_state
from executions.engine.variables import base_variables
from executions.states import State
from executions.templating.values import java_duration
from flows.spec.durations import parse_duration

ENDINGS = {"FAIL": State.FAILED, "CANCEL": State.CANCELLED}


@dataclass(frozen=True)
class Violation:
    sla_id: str
    behavior: str
    labels: list[dict[str, str]]
    reason: str


def _slas(run: Run, kind: str) -> list[dict[str, Any]]:
    return [s for s in run.plan.source.get("sla") or [] if s.get("type") == kind]


def _labels(raw: Any) -> list[dict[str, str]]:
    """SLA labels, written as a list of {key, value} or as a map."""
    if isinstance(raw, dict):
        return [{"key": str(k), "value": str(v)} for k, v in raw.items()]
    return [{"key": str(x["key"]), "value": str(x["value"])} for x in raw or []]


def _violation(sla: dict[str, Any], reason: str) -> Violation:
    return Violation(
        str(sla.get("id")), str(sla.get("behavior", "NONE")), _labels(sla.get("labels")), reason
    )


def _restarted(run: Run) -> bool:
    return any(h.state is State.RESTARTED for h in run.execution.state.histories)


def _deadline(sla: dict[str, Any], run: Run) -> datetime | None:
    started = run.execution.state.start_date
    if started is None:
        return None
    try:
        duration: timedelta = parse_duration(str(sla.get("duration")))
    except ValueError as error:
        run.log("ERROR", f"Ignoring SLA '{sla.get('id')}' because of the error: {error}")
        return None
    return started + duration


def _assertions(run: Run) -> list[Violation]:
    found = []
    for sla in _slas(run, "EXECUTION_ASSERTION"):
        try:
            holds = run.renderer.is_true(str(sla.get("assert")), base_variables(run))
        except Exception as error:  # a broken assertion is logged and ignored, as in Kestra
            run.log("ERROR", f"Ignoring SLA '{sla.get('id')}' because of the error: {error}")
            continue
        if not holds:
            found.append(_violation(sla, f"assertion is false: {sla.get('assert')}."))
    return found


def _expired(run: Run) -> list[Violation]:
    started = run.execution.state.start_date
    if _restarted(run) or started is None:
        return []
    found = []
    for sla in _slas(run, "MAX_DURATION"):
        deadline = _deadline(sla, run)
        if deadline is not None and run.now >= deadline:
            took = run.now - started
            found.append(
                _violation(
                    sla,
                    f"execution duration of {java_duration(took)} exceed the maximum duration of "
                    f"{sla.get('duration')}.",
                )
            )
    return found


def check(run: Run) -> None:
    """Evaluate the SLAs of an open execution and apply the first violation."""
    if not run.plan.source.get("sla") or run.execution.state.current.is_terminal:
        return
    violations = _assertions(run) + _expired(run)
    for violation in violations:
        run.log("WARN", f"SLA '{violation.sla_id}' violated: {violation.reason}")
    if violations:
        apply(run, violations[0])


def wake(run: Run) -> None:
    """Ask to be called again at the next MAX_DURATION deadline of an open execution."""
    if not run.plan.source.get("sla") or run.execution.state.current.is_terminal:
        return
    if _restarted(run):
        return
    for sla in _slas(run, "MAX_DURATION"):
        run.wake(_deadline(sla, run))


def apply(run: Run, violation: Violation) -> None:
    """FAIL or CANCEL: stop what runs and end the execution in that state; then the labels."""
    target = ENDINGS.get(violation.behavior)
    if target is not None:
        if target is State.FAILED:
            run.log(
                "ERROR",
                f"Execution failed due to SLA '{violation.sla_id}' violated: {violation.reason}",
            )
        for task_run in reversed(run.execution.task_run_list):
            if not task_run.state.current.is_terminal:
                _stop(run, task_run, target)
        run.set_execution_state(target)
    present = {(x.get("key"), x.get("value")) for x in run.execution.labels}
    missing = [x for x in violation.labels if (x["key"], x["value"]) not in present]
    if missing:
        run.execution.labels = [*run.execution.labels, *missing]
        run.outcome.execution_changed = True


def _stop(run: Run, task_run: TaskRun, target: State) -> None:
    node = run.node_of(task_run)
    if task_run.state.current.is_running and node.kind == "runnable" and task_run.attempts:
        run.outcome.kill_jobs.append(
            KillJob(task_run.id, run.execution.id, attempt=len(task_run.attempts))
        )
    elif task_run.state.current.is_running and node.kind == "executable":
        child = (task_run.flowable or {}).get("executionId")
        run.outcome.kill_jobs.append(
            KillJob(task_run.id, run.execution.id, child_execution_id=child)
        )
    if task_run.attempts and not task_run.attempts[-1].state.current.is_terminal:
        change_state(task_run.attempts[-1], target, run.now)
    task_run.next_retry_date = None
    task_run.resume_date = None
    run.set_state(task_run, target)
