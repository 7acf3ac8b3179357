"""The pure execution engine: Kestra's executor decisions as plain Python over plain data.

Contract
--------
``process(flow, execution, events, now, *, renderer, ids, envs, globals, worker_groups)``

- ``flow``: a ``FlowPlan`` from ``compile_flow(flow)`` (compile once per flow revision and
  cache it), or a ``flows.spec`` Flow, or its Kestra JSON dict.
- ``execution``: the snapshot (``model.Execution``, ``Execution.from_dict`` reads Kestra's
  JSON). It is mutated in place; nothing else is touched and nothing is deep-copied.
- ``events``: what happened since the last call (``WorkerResult``, ``WorkerStarted``,
  ``WorkerLost``, ``WorkerUnavailable``, ``Kill``, ``Pause``, ``Resume``, ``TimerFired``,
  ``SubflowResult``). A result for an unknown, finished or superseded attempt is dropped and
  listed in ``Outcome.dropped``.
  A call without events makes progress only if something is due (timers) or was left
  undecided; otherwise it changes nothing (the outcome reports ``changed == False``).
- ``Outcome``: ids of new and changed task runs, whether the execution row changed, the
  ``worker_jobs`` / ``kill_jobs`` / ``subflow_requests`` / ``new_execution_requests`` to send
  after commit, ``wake_at`` (earliest timer: call process again then), engine ``logs``,
  and ``terminal``.

- ``worker_groups``: a ``WorkerGroups`` (namespace default groups, which queues have a live
  worker): a runnable task's group and its ``workerGroup.fallback`` are decided here.

Runnable task runs go to workers (the engine records a RUNNING attempt when it dispatches);
flowables, the Labels task, Pause and Subflow requests are decided here, never on a worker.
The flow's ``sla`` is checked on every call of an open execution (``sla.py``): a MAX_DURATION
deadline is part of ``wake_at``.

Two flowables need a worker's files (``working_directory.py``, ``foreach_item.py``):

- WorkingDirectory is ONE worker job carrying its children (as Kestra's worker runs it); the
  worker sends ONE result whose ``children`` report each child it ran (its task run id, state,
  outputs, dates). The engine creates those task runs when it applies the result, then decides
  the WorkingDirectory's state as for any sequential flowable (``errors`` and ``finally`` run as
  ordinary jobs). One result, not one per child, so results arriving out of order at several
  executor processes can never make the engine decide on half a directory.
- ForEachItem expands into ``<id>_split`` (a worker cuts the file into batches), ``<id>_items``
  (one SubflowRequest per batch, ``iterations`` counted from the children's results) and
  ``<id>_merge`` (a worker gathers the children's outputs the executor stored).
"""

from executions.engine.core import process
from executions.engine.events import (
    Event,
    Kill,
    KillJob,
    LogLine,
    NewExecutionRequest,
    Outcome,
    Pause,
    Resume,
    SubflowRequest,
    SubflowResult,
    TimerFired,
    WorkerJob,
    WorkerLost,
    WorkerResult,
    WorkerStarted,
    WorkerUnavailable,
)
from executions.engine.groups import WorkerGroups
from executions.engine.model import Attempt, Execution, StateInfo, TaskRun, new_id, sequential_ids
from executions.engine.plan import FlowPlan, compile_flow
from executions.engine.results import InvalidResume
from executions.engine.variables import execution_variables, subflow_variables

__all__ = [
    "Attempt",
    "Event",
    "Execution",
    "FlowPlan",
    "InvalidResume",
    "Kill",
    "KillJob",
    "LogLine",
    "NewExecutionRequest",
    "Outcome",
    "Pause",
    "Resume",
    "StateInfo",
    "SubflowRequest",
    "SubflowResult",
    "TaskRun",
    "TimerFired",
    "WorkerGroups",
    "WorkerJob",
    "WorkerLost",
    "WorkerResult",
    "WorkerStarted",
    "WorkerUnavailable",
    "compile_flow",
    "execution_variables",
    "new_id",
    "process",
    "sequential_ids",
    "subflow_variables",
]
