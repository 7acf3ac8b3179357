"""The execution snapshot as plain dataclasses, in Kestra's JSON shape via to_dict/from_dict."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any, Protocol

from executions.states import State, transition

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

IdFactory = Callable[[], str]


def new_id() -> str:
    """A Kestra-style id: a random UUID written in base 62 (22 characters at most)."""
    number = uuid.uuid4().int
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)) or "0"


def sequential_ids(prefix: str = "id") -> IdFactory:
    """Deterministic ids for tests: id1, id2, ..."""
    counter = count(1)
    return lambda: f"{prefix}{next(counter)}"


def format_date(value: datetime | None) -> str | None:
    """An instant as Kestra prints it in variables: milliseconds and a Z."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(slots=True)
class History:
    state: State
    date: datetime


@dataclass(slots=True)
class StateInfo:
    """Kestra's State object: the current state and the dated history of every state."""

    current: State = State.CREATED
    histories: list[History] = field(default_factory=list)

    @classmethod
    def starting(cls, now: datetime, state: State = State.CREATED) -> StateInfo:
        return cls(state, [History(state, now)])

    @property
    def start_date(self) -> datetime | None:
        return self.histories[0].date if self.histories else None

    @property
    def end_date(self) -> datetime | None:
        return self.histories[-1].date if self.current.is_terminal and self.histories else None

    def count(self, state: State) -> int:
        return sum(1 for h in self.histories if h.state is state)

    def to_dict(self) -> dict[str, Any]:
        end = self.end_date
        start = self.start_date
        data: dict[str, Any] = {
            "current": self.current.value,
            "histories": [{"state": h.state.value, "date": _iso(h.date)} for h in self.histories],
            "startDate": _iso(start),
        }
        if end is not None and start is not None:
            data["endDate"] = _iso(end)
            data["duration"] = (end - start).total_seconds()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StateInfo:
        histories = [
            History(State(h["state"]), _parse_date(h["date"]))  # type: ignore[arg-type]
            for h in data.get("histories") or []
        ]
        return cls(State(data["current"]), histories)


class HasState(Protocol):
    state: StateInfo


def change_state(holder: HasState, new: State, now: datetime) -> bool:
    """The one write path of states: checks the table and appends the history entry.

    Returns False (and changes nothing) when the holder is already in that state.
    """
    info = holder.state
    if info.current is new:
        return False
    transition(info.current, new)
    info.current = new
    info.histories.append(History(new, now))
    return True


@dataclass(slots=True)
class Attempt:
    state: StateInfo
    worker_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"state": self.state.to_dict()}
        if self.worker_id:
            data["workerId"] = self.worker_id
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attempt:
        return cls(StateInfo.from_dict(data["state"]), data.get("workerId"))


@dataclass(slots=True, eq=False)
class TaskRun:
    """One run of one task (one per loop value); engine bookkeeping beyond Kestra's fields:
    next_retry_date, resume_date/resume_state (pause timers), worker_group and `flowable`
    (what a flowable decided once: the If branch, the Switch case, the ForEach values)."""

    id: str
    execution_id: str
    namespace: str
    flow_id: str
    task_id: str
    state: StateInfo
    parent_task_run_id: str | None = None
    value: str | None = None
    iteration: int | None = None
    attempts: list[Attempt] = field(default_factory=list)
    outputs: dict[str, Any] | None = None
    next_retry_date: datetime | None = None
    resume_date: datetime | None = None
    resume_state: State | None = None
    worker_group: str | None = None
    flowable: dict[str, Any] | None = None
    # Why the task run does not move (e.g. no live worker in its group); None once it runs.
    status_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "executionId": self.execution_id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "taskId": self.task_id,
            "parentTaskRunId": self.parent_task_run_id,
            "value": self.value,
            "iteration": self.iteration,
            "attempts": [a.to_dict() for a in self.attempts] or None,
            "outputs": self.outputs,
            "state": self.state.to_dict(),
            "nextRetryDate": _iso(self.next_retry_date),
            "resumeDate": _iso(self.resume_date),
            "resumeState": self.resume_state.value if self.resume_state else None,
            "workerGroup": self.worker_group,
            "flowable": self.flowable,
            "statusReason": self.status_reason,
        }
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskRun:
        return cls(
            id=data["id"],
            execution_id=data["executionId"],
            namespace=data["namespace"],
            flow_id=data["flowId"],
            task_id=data["taskId"],
            state=StateInfo.from_dict(data["state"]),
            parent_task_run_id=data.get("parentTaskRunId"),
            value=data.get("value"),
            iteration=data.get("iteration"),
            attempts=[Attempt.from_dict(a) for a in data.get("attempts") or []],
            outputs=data.get("outputs"),
            next_retry_date=_parse_date(data.get("nextRetryDate")),
            resume_date=_parse_date(data.get("resumeDate")),
            resume_state=State(data["resumeState"]) if data.get("resumeState") else None,
            worker_group=data.get("workerGroup"),
            flowable=data.get("flowable"),
            status_reason=data.get("statusReason"),
        )


@dataclass(slots=True, eq=False)
class Execution:
    id: str
    namespace: str
    flow_id: str
    state: StateInfo
    flow_revision: int | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    labels: list[dict[str, str]] = field(default_factory=list)
    variables: dict[str, Any] | None = None
    parent_id: str | None = None
    original_id: str | None = None
    trigger: dict[str, Any] | None = None
    task_run_list: list[TaskRun] = field(default_factory=list)
    attempt_number: int = 1
    original_created_date: datetime | None = None
    schedule_date: datetime | None = None

    @classmethod
    def new(
        cls,
        flow_id: str,
        namespace: str,
        now: datetime,
        *,
        id: str | None = None,
        revision: int | None = None,
        inputs: dict[str, Any] | None = None,
        labels: list[dict[str, str]] | None = None,
        **extra: Any,
    ) -> Execution:
        """A CREATED execution, as a trigger or the API would create it."""
        execution_id = id or new_id()
        return cls(
            id=execution_id,
            namespace=namespace,
            flow_id=flow_id,
            state=StateInfo.starting(now),
            flow_revision=revision,
            inputs=inputs,
            labels=list(labels or []),
            original_id=extra.pop("original_id", execution_id),
            original_created_date=now,
            **extra,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "flowRevision": self.flow_revision,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "labels": self.labels,
            "variables": self.variables,
            "state": self.state.to_dict(),
            "parentId": self.parent_id,
            "originalId": self.original_id,
            "trigger": self.trigger,
            "taskRunList": [t.to_dict() for t in self.task_run_list],
            "metadata": {
                "attemptNumber": self.attempt_number,
                "originalCreatedDate": _iso(self.original_created_date),
            },
            "scheduleDate": _iso(self.schedule_date),
        }
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Execution:
        metadata = data.get("metadata") or {}
        return cls(
            id=data["id"],
            namespace=data["namespace"],
            flow_id=data["flowId"],
            state=StateInfo.from_dict(data["state"]),
            flow_revision=data.get("flowRevision"),
            inputs=data.get("inputs"),
            outputs=data.get("outputs"),
            labels=list(data.get("labels") or []),
            variables=data.get("variables"),
            parent_id=data.get("parentId"),
            original_id=data.get("originalId"),
            trigger=data.get("trigger"),
            task_run_list=[TaskRun.from_dict(t) for t in data.get("taskRunList") or []],
            attempt_number=metadata.get("attemptNumber", 1),
            original_created_date=_parse_date(metadata.get("originalCreatedDate")),
            schedule_date=_parse_date(data.get("scheduleDate")),
        )


def utcnow() -> datetime:
    return datetime.now(UTC)
