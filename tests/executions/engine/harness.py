"""Runs a flow to completion in-process: process() -> workers -> results, with a fake clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from executions.engine import (
    Execution,
    FlowPlan,
    Outcome,
    SubflowResult,
    WorkerResult,
    compile_flow,
    execution_variables,
    process,
    sequential_ids,
)
from executions.engine.context import Run
from executions.states import State

START = datetime(2024, 1, 1, 10, 0, 0, 123000, tzinfo=UTC)
HOP = timedelta(milliseconds=1)


def load_flow(source: str | dict[str, Any]) -> FlowPlan:
    """Parse with flows.spec when it accepts the flow, else read the YAML as a plain dict."""
    if isinstance(source, dict):
        return compile_flow(source)
    try:
        from flows.spec import parse_flow

        return compile_flow(parse_flow(source))
    except Exception:
        return compile_flow(yaml.safe_load(source))


def make_renderer() -> Any:
    """The real renderer when it imports, else the Jinja stand-in (while it is being built)."""
    try:
        from executions.templating import Functions, Renderer

        return Renderer(Functions())
    except Exception:  # still being built (import errors of any kind): use the stand-in
        from tests.executions.engine.stand_ins import StandInRenderer

        return StandInRenderer()


def run_worker_job(job: Any, renderer: Any, logs: list[tuple[str, str, str]]) -> WorkerResult:
    from workers.plugins import RunContext, run_task

    def log(level: str, message: str) -> None:
        logs.append((job.task_run_id, level, message))

    context = RunContext(
        task=job.task,
        variables=job.variables,
        renderer=renderer,
        log=log,
        attempt=job.attempt,
        sleep=lambda seconds: None,
    )
    result = run_task(context)
    return WorkerResult(
        job.task_run_id,
        job.attempt,
        result.state,
        result.outputs,
        result.error,
        children=result.children,
    )


@dataclass
class Harness:
    """One execution of one flow; `flows` maps (namespace, id) to co-loaded flow sources."""

    flow: FlowPlan
    execution: Execution
    flows: dict[tuple[str, str], Any] = field(default_factory=dict)
    now: datetime = START
    renderer: Any = field(default_factory=make_renderer)
    ids: Callable[[], str] = field(default_factory=lambda: sequential_ids("tr"))
    envs: dict[str, Any] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[str, str, str]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    children: list[Harness] = field(default_factory=list)
    depth: int = 0

    @classmethod
    def of(
        cls,
        source: str | dict[str, Any],
        inputs: dict[str, Any] | None = None,
        labels: list[dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> Harness:
        plan = load_flow(source)
        start = kwargs.pop("now", START)
        execution_id = kwargs.pop("execution_id", "exec1")
        all_labels = [
            dict(item)
            for item in plan.source.get("labels") or []
            if not str(item.get("key", "")).startswith("system.")
        ]
        if isinstance(plan.source.get("labels"), dict):
            all_labels = [{"key": k, "value": str(v)} for k, v in plan.source["labels"].items()]
        all_labels += labels or []
        if not any(item["key"] == "system.correlationId" for item in all_labels):
            all_labels.append({"key": "system.correlationId", "value": execution_id})
        execution = Execution.new(
            plan.id,
            plan.namespace,
            start,
            id=execution_id,
            revision=plan.revision or 1,
            inputs=inputs,
            labels=all_labels,
        )
        return cls(plan, execution, now=start, **kwargs)

    def step(self, events: list[Any]) -> Outcome:
        outcome = process(
            self.flow,
            self.execution,
            events,
            self.now,
            renderer=self.renderer,
            ids=self.ids,
            envs=self.envs,
            globals=self.globals,
        )
        self.outcomes.append(outcome)
        return outcome

    def run(
        self,
        until: Callable[[Execution], bool] | None = None,
        max_steps: int = 5000,
        events: list[Any] | None = None,
    ) -> Execution:
        """Loop until the execution ends (or `until` holds); jump the clock to timers."""
        pending: list[Any] = list(events or [])
        for _ in range(max_steps):
            outcome = self.step(pending)
            pending = self.react(outcome)
            self.now += HOP
            if until is not None and until(self.execution):
                break
            if pending:
                continue
            if self.execution.state.current.is_terminal:
                break
            if outcome.wake_at is None:
                break
            self.now = max(self.now, outcome.wake_at)
        return self.execution

    def react(self, outcome: Outcome) -> list[Any]:
        """What the outside world answers: worker results, kill results, child executions."""
        events: list[Any] = [
            run_worker_job(job, self.renderer, self.logs) for job in outcome.worker_jobs
        ]
        events += [
            WorkerResult(kill.task_run_id, kill.attempt, State.KILLED)
            for kill in outcome.kill_jobs
            if kill.attempt is not None
        ]
        for request in outcome.subflow_requests:
            result = self.run_child(request)
            if result is not None and request.wait:
                events.append(result)
        return events

    def run_child(self, request: Any) -> SubflowResult | None:
        source = self.flows.get((request.namespace, request.flow_id))
        if source is None or self.depth > 5:
            return SubflowResult(
                request.parent_task_run_id,
                request.execution_id,
                State.FAILED,
                error=f"Unable to find flow '{request.namespace}.{request.flow_id}'",
            )
        child = Harness.of(
            source,
            inputs=request.inputs,
            labels=request.labels,
            execution_id=request.execution_id,
            now=self.now,
            flows=self.flows,
            renderer=self.renderer,
            ids=self.ids,
            depth=self.depth + 1,
        )
        child.execution.parent_id = self.execution.id
        child.run()
        self.children.append(child)
        self.now = max(self.now, child.now)
        variables = child_variables(child)
        return SubflowResult(
            request.parent_task_run_id,
            request.execution_id,
            child.execution.state.current,
            child.execution.outputs,
            variables,
        )

    # ---- reading the result ------------------------------------------------------------------

    def task_runs(self, task_id: str) -> list[Any]:
        return [t for t in self.execution.task_run_list if t.task_id == task_id]

    def state_of(self, task_id: str) -> State:
        runs = self.task_runs(task_id)
        assert runs, f"no task run for {task_id}"
        return runs[0].state.current

    def outputs(self, task_id: str) -> Any:
        return self.task_runs(task_id)[0].outputs


def child_variables(child: Harness) -> dict[str, Any]:
    run = Run(child.flow, child.execution, child.now, child.renderer, child.ids, {})
    return execution_variables(child.flow, child.execution, run.all_outputs())


def run_flow(source: str | dict[str, Any], **kwargs: Any) -> Harness:
    until = kwargs.pop("until", None)
    harness = Harness.of(source, **kwargs)
    harness.run(until=until)
    return harness
