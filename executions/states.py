"""Kestra's execution and task run states: the enum, its predicates, the transition table."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class IllegalTransition(ValueError):
    """A state change the transition table does not allow."""

    def __init__(self, current: State, new: State) -> None:
        super().__init__(f"illegal state transition {current.value} -> {new.value}")
        self.current = current
        self.new = new


class State(StrEnum):
    """The states an execution or a task run goes through (Kestra's State.Type)."""

    CREATED = "CREATED"
    QUEUED = "QUEUED"
    SUBMITTED = "SUBMITTED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RESTARTED = "RESTARTED"
    KILLING = "KILLING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    RETRYING = "RETRYING"
    RETRIED = "RETRIED"
    SKIPPED = "SKIPPED"
    RESUBMITTED = "RESUBMITTED"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_created(self) -> bool:
        """Waiting to be started (Kestra counts RESTARTED as created)."""
        return self in (State.CREATED, State.RESTARTED)

    @property
    def is_running(self) -> bool:
        return self in (State.RUNNING, State.KILLING)

    @property
    def is_failed(self) -> bool:
        return self is State.FAILED

    @property
    def is_paused(self) -> bool:
        return self is State.PAUSED

    @property
    def is_retrying(self) -> bool:
        return self in (State.RETRYING, State.RETRIED)

    @property
    def is_success(self) -> bool:
        return self is State.SUCCESS

    @property
    def is_killing(self) -> bool:
        return self is State.KILLING

    @property
    def is_queued(self) -> bool:
        return self is State.QUEUED

    @property
    def is_waiting(self) -> bool:
        """Neither terminal nor moving by itself: paused, queued or waiting for a retry."""
        return self in (State.PAUSED, State.QUEUED, State.RETRYING)


_TERMINAL = frozenset(
    {
        State.SUCCESS,
        State.WARNING,
        State.FAILED,
        State.KILLED,
        State.CANCELLED,
        State.RETRIED,
        State.SKIPPED,
    }
)
_ENDINGS = frozenset({State.SUCCESS, State.WARNING, State.FAILED, State.KILLED, State.CANCELLED})
_STOPPING = frozenset({State.KILLING, State.KILLED, State.FAILED, State.CANCELLED})

# The one transition table: from-state -> the states it may move to.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.CREATED: _ENDINGS
    | {State.QUEUED, State.SUBMITTED, State.RUNNING, State.SKIPPED, State.KILLING, State.PAUSED},
    State.QUEUED: _STOPPING | {State.CREATED, State.RUNNING},
    State.SUBMITTED: _ENDINGS | {State.RUNNING, State.KILLING, State.RESUBMITTED},
    State.RUNNING: _ENDINGS
    | {State.PAUSED, State.KILLING, State.RETRYING, State.RETRIED, State.RESUBMITTED},
    State.PAUSED: _ENDINGS | {State.RUNNING, State.KILLING},
    State.RESTARTED: _STOPPING | {State.CREATED, State.RUNNING},
    State.KILLING: _ENDINGS,
    State.RETRYING: _STOPPING | {State.CREATED, State.RUNNING, State.RETRIED},
    State.RESUBMITTED: _ENDINGS | {State.CREATED, State.SUBMITTED, State.RUNNING, State.KILLING},
    State.SUCCESS: frozenset({State.RESTARTED}),
    State.WARNING: frozenset({State.RESTARTED}),
    State.FAILED: frozenset({State.RESTARTED, State.RETRIED}),
    State.KILLED: frozenset({State.RESTARTED}),
    State.CANCELLED: frozenset({State.RESTARTED}),
    State.RETRIED: frozenset(),
    State.SKIPPED: frozenset(),
}


def can_transition(current: State, new: State) -> bool:
    return new in TRANSITIONS[current]


def transition(current: State, new: State) -> State:
    """Check a state change against the table; returns the new state or raises."""
    if new not in TRANSITIONS[current]:
        raise IllegalTransition(current, new)
    return new


# Highest first: the state a group of finished task runs gives its parent or the execution.
_PRIORITY = (State.KILLED, State.FAILED, State.WARNING, State.PAUSED)


def final_state(states: Iterable[State]) -> State:
    """Kestra's guessFinalState: KILLED over FAILED over WARNING over PAUSED over SUCCESS."""
    seen = set(states)
    for state in _PRIORITY:
        if state in seen:
            return state
    return State.SUCCESS


def allowed_state(state: State, allow_failure: bool, allow_warning: bool) -> State:
    """Apply a task's allowFailure (FAILED -> WARNING) and allowWarning (WARNING -> SUCCESS)."""
    if state is State.FAILED and allow_failure:
        state = State.WARNING
    if state is State.WARNING and allow_warning:
        state = State.SUCCESS
    return state
