"""What the engine is told (events) and what it decides (the Outcome and its jobs and requests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from executions.states import State

# ---- events (inputs of process()) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerResult:
    """A worker finished one attempt (state SUCCESS, WARNING, FAILED or KILLED)."""

    task_run_id: str
    attempt: int
    state: State | str
    outputs: dict[str, Any] | None = None
    error: str | None = None
    # A WorkingDirectory's job: what each child it ran reported (see working_directory.py).
    children: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class WorkerStarted:
    """Optional: a worker picked the job up (records the worker id on the attempt)."""

    task_run_id: str
    attempt: int
    worker_id: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerLost:
    """The worker running this attempt died: the task run is RESUBMITTED as a new attempt."""

    task_run_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class WorkerUnavailable:
    """No live worker serves `queue`, where this attempt's job waits (the sweeper's re-check):
    the task's workerGroup.fallback applies."""

    task_run_id: str
    attempt: int
    queue: str


@dataclass(frozen=True, slots=True)
class Kill:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    """Pause a running execution: no new task run starts until Resume."""


@dataclass(frozen=True, slots=True)
class Resume:
    """Resume a paused task run (or every paused one when task_run_id is None)."""

    task_run_id: str | None = None
    inputs: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A wake-up: due timers are handled by any call, this event only documents why."""


@dataclass(frozen=True, slots=True)
class SubflowResult:
    """A child execution of a waiting Subflow task ended.

    child_variables are the child's run variables (see variables.execution_variables), needed
    only when the Subflow task declares `outputs:` to render in the child's context.
    `error` says the child could not be created (e.g. the flow does not exist): the task FAILS.
    """

    task_run_id: str
    child_execution_id: str
    state: State | str
    outputs: dict[str, Any] | None = None
    child_variables: dict[str, Any] | None = None
    error: str | None = None


Event = (
    WorkerResult
    | WorkerStarted
    | WorkerLost
    | WorkerUnavailable
    | Kill
    | Pause
    | Resume
    | TimerFired
    | SubflowResult
)

# ---- decisions (outputs of process()) --------------------------------------------------------


@dataclass(slots=True)
class WorkerJob:
    """Run one attempt of a runnable task on a worker of `worker_group` (None: default)."""

    task_run_id: str
    execution_id: str
    attempt: int
    task: dict[str, Any]
    variables: dict[str, Any]
    worker_group: str | None
    timeout: str | None


@dataclass(slots=True)
class KillJob:
    """Stop a running attempt on its worker, or kill a child execution."""

    task_run_id: str
    execution_id: str
    attempt: int | None = None
    child_execution_id: str | None = None


@dataclass(slots=True)
class SubflowRequest:
    """Create a child execution (its id is chosen by the engine so the request is idempotent)."""

    parent_task_run_id: str
    parent_execution_id: str
    execution_id: str
    namespace: str
    flow_id: str
    revision: int | None
    inputs: dict[str, Any]
    labels: list[dict[str, str]]
    wait: bool
    transmit_failed: bool
    inherit_labels: bool
    schedule_date: datetime | None = None


@dataclass(slots=True)
class NewExecutionRequest:
    """A flow retry with behavior CREATE_NEW_EXECUTION: start this execution again at `date`."""

    original_execution_id: str
    namespace: str
    flow_id: str
    revision: int | None
    inputs: dict[str, Any] | None
    labels: list[dict[str, str]]
    attempt_number: int
    date: datetime


@dataclass(slots=True)
class LogLine:
    execution_id: str
    task_run_id: str | None
    level: str
    message: str


@dataclass(slots=True)
class Outcome:
    """What one process() call changed and what must be sent once the change is committed."""

    new_task_runs: list[str] = field(default_factory=list)
    changed_task_runs: list[str] = field(default_factory=list)
    execution_changed: bool = False
    worker_jobs: list[WorkerJob] = field(default_factory=list)
    kill_jobs: list[KillJob] = field(default_factory=list)
    subflow_requests: list[SubflowRequest] = field(default_factory=list)
    new_execution_requests: list[NewExecutionRequest] = field(default_factory=list)
    wake_at: datetime | None = None
    logs: list[LogLine] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    terminal: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.execution_changed or self.changed_task_runs or self.new_task_runs)
