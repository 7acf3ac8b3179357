"""The state enum, its predicates, the transition table and the final-state priority."""

import pytest

from executions.states import (
    TRANSITIONS,
    IllegalTransition,
    State,
    allowed_state,
    final_state,
    transition,
)

TERMINAL = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED"}


def test_terminal_states_are_kestras():
    assert {s.value for s in State if s.is_terminal} == TERMINAL


def test_predicates():
    assert State.RESTARTED.is_created and State.CREATED.is_created
    assert State.KILLING.is_running and not State.PAUSED.is_running
    assert State.RETRIED.is_retrying and State.RETRYING.is_retrying
    assert State.FAILED.is_failed and not State.KILLED.is_failed
    assert State.PAUSED.is_paused


def test_every_state_has_a_row():
    assert set(TRANSITIONS) == set(State)


@pytest.mark.parametrize("current", list(State), ids=str)
@pytest.mark.parametrize("new", list(State), ids=str)
def test_transition_follows_the_table(current, new):
    if new in TRANSITIONS[current]:
        assert transition(current, new) is new
    else:
        with pytest.raises(IllegalTransition):
            transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("CREATED", "RUNNING"),
        ("RUNNING", "SUCCESS"),
        ("RUNNING", "PAUSED"),
        ("PAUSED", "RUNNING"),
        ("RUNNING", "RETRYING"),
        ("RETRYING", "RUNNING"),
        ("RUNNING", "KILLING"),
        ("KILLING", "KILLED"),
        ("CREATED", "SKIPPED"),
        ("FAILED", "RESTARTED"),
        ("QUEUED", "RUNNING"),
        ("RUNNING", "RETRIED"),
        ("PAUSED", "FAILED"),
    ],
)
def test_kestra_paths_are_allowed(current, new):
    assert transition(State(current), State(new)) is State(new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("SUCCESS", "RUNNING"),
        ("KILLED", "RUNNING"),
        ("SKIPPED", "RUNNING"),
        ("RETRIED", "RUNNING"),
        ("RUNNING", "RUNNING"),
        ("KILLING", "RUNNING"),
        ("SUCCESS", "FAILED"),
    ],
)
def test_illegal_paths_raise(current, new):
    with pytest.raises(IllegalTransition, match=f"{current} -> {new}"):
        transition(State(current), State(new))


def test_terminal_states_only_restart():
    for state in State:
        if state.is_terminal:
            assert TRANSITIONS[state] <= {State.RESTARTED, State.RETRIED}


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], "SUCCESS"),
        (["SUCCESS", "SKIPPED"], "SUCCESS"),
        (["SUCCESS", "PAUSED"], "PAUSED"),
        (["PAUSED", "WARNING"], "WARNING"),
        (["WARNING", "FAILED"], "FAILED"),
        (["FAILED", "KILLED", "WARNING"], "KILLED"),
    ],
)
def test_final_state_priority(states, expected):
    assert final_state(State(s) for s in states) is State(expected)


def test_allowed_state():
    assert allowed_state(State.FAILED, True, False) is State.WARNING
    assert allowed_state(State.FAILED, True, True) is State.SUCCESS
    assert allowed_state(State.WARNING, False, True) is State.SUCCESS
    assert allowed_state(State.FAILED, False, True) is State.FAILED
