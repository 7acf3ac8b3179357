"""Restart, replay and change-state transforms, then the engine carrying the execution on."""

import pytest

from executions.engine import sequential_ids
from executions.engine.actions import ActionError, mark_as, move, replay, restart
from executions.engine.model import StateInfo
from executions.states import State
from tests.executions.engine.harness import Harness, run_flow

FLAKY = """id: flaky
namespace: io.kestra.tests
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: one
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: boom
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.attemptsCount == 0 }}"
      - id: inner
        type: io.kestra.plugin.core.debug.Return
        format: inner
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }}-{{ outputs.inner.value }}"
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: failed
"""


def failed_run() -> Harness:
    harness = run_flow(FLAKY)
    assert harness.execution.state.current is State.FAILED
    assert harness.state_of("handler") is State.SUCCESS
    return harness


def ids(harness, task_id):
    return [t.id for t in harness.task_runs(task_id)]


def test_move_walks_the_transition_table():
    info = StateInfo.starting(Harness.of(FLAKY).now, State.FAILED)

    class Holder:
        state = info

    move(Holder, State.SUCCESS, Harness.of(FLAKY).now)
    assert [h.state for h in info.histories] == [
        State.FAILED,
        State.RESTARTED,
        State.RUNNING,
        State.SUCCESS,
    ]


def test_restart_reruns_the_failed_task_as_a_new_attempt_and_drops_error_runs():
    harness = failed_run()
    handler = ids(harness, "handler")
    changes = restart(harness.flow, harness.execution, harness.now)
    assert changes.removed == handler
    assert harness.state_of("boom") is State.RESTARTED
    assert harness.state_of("group") is State.RUNNING
    assert harness.execution.state.current is State.RUNNING
    assert [h.state for h in harness.execution.state.histories][-3:] == [
        State.FAILED,
        State.RESTARTED,
        State.RUNNING,
    ]
    assert harness.execution.attempt_number == 2
    harness.run()
    assert harness.execution.state.current is State.SUCCESS
    boom = harness.task_runs("boom")[0]
    assert [a.state.current for a in boom.attempts] == [State.FAILED, State.SUCCESS]
    assert harness.outputs("last") == {"value": "one-inner"}
    assert harness.task_runs("handler") == []
    assert len(harness.task_runs("first")) == 1  # untouched


def test_restart_refuses_running_and_successful_executions():
    harness = Harness.of(FLAKY)
    harness.step([])
    with pytest.raises(ActionError) as error:
        restart(harness.flow, harness.execution, harness.now)
    assert error.value.conflict
    ok = run_flow(FLAKY.replace("{{ taskrun.attemptsCount == 0 }}", "false"))
    assert ok.execution.state.current is State.SUCCESS
    with pytest.raises(ActionError, match="No task found"):
        restart(ok.flow, ok.execution, ok.now)


def test_replay_from_a_task_run_copies_what_came_before():
    harness = run_flow(FLAKY.replace("{{ taskrun.attemptsCount == 0 }}", "false"))
    original = harness.execution
    inner = harness.task_runs("inner")[0]
    new = replay(
        harness.flow,
        original,
        harness.now,
        new_id="replayed",
        ids=sequential_ids("copy"),
        task_run_id=inner.id,
    )
    assert new.id == "replayed" and new.parent_id == original.id
    assert new.original_id == original.original_id
    assert new.attempt_number == original.attempt_number + 1
    states = {t.task_id: t.state.current for t in new.task_run_list}
    assert states == {
        "first": State.SUCCESS,
        "group": State.RUNNING,
        "boom": State.SUCCESS,
        "inner": State.RESTARTED,
    }
    assert all(t.id.startswith("copy") for t in new.task_run_list)
    group = next(t for t in new.task_run_list if t.task_id == "group")
    assert {t.parent_task_run_id for t in new.task_run_list if t.task_id == "inner"} == {group.id}
    assert original.task_run_list[0].id != new.task_run_list[0].id  # the original is untouched
    assert original.state.current is State.SUCCESS
    replayed = Harness(harness.flow, new, now=harness.now)
    replayed.run()
    assert replayed.execution.state.current is State.SUCCESS
    assert [t.task_id for t in new.task_run_list] == ["first", "group", "boom", "inner", "last"]


def test_replay_without_task_run_starts_from_scratch():
    harness = failed_run()
    new = replay(harness.flow, harness.execution, harness.now, new_id="n", ids=sequential_ids())
    assert new.task_run_list == [] and new.state.current is State.CREATED
    assert new.inputs == harness.execution.inputs and new.labels == harness.execution.labels
    with pytest.raises(ActionError) as error:
        replay(
            harness.flow,
            harness.execution,
            harness.now,
            new_id="n",
            ids=sequential_ids(),
            task_run_id="nope",
        )
    assert error.value.path == "taskRunId"


def test_mark_a_failed_task_run_as_success_carries_the_execution_on():
    harness = failed_run()
    boom = harness.task_runs("boom")[0]
    changes = mark_as(harness.flow, harness.execution, harness.now, boom.id, State.SUCCESS)
    assert boom.id in changes.changed
    assert boom.state.current is State.SUCCESS
    assert boom.attempts[-1].state.current is State.SUCCESS
    assert harness.execution.state.current is State.RUNNING
    harness.run()
    assert harness.execution.state.current is State.SUCCESS
    assert harness.state_of("last") is State.SUCCESS
    assert harness.task_runs("boom")[0].attempts.__len__() == 1  # not run again


def test_mark_as_refuses_other_states():
    harness = failed_run()
    boom = harness.task_runs("boom")[0]
    with pytest.raises(ActionError) as error:
        mark_as(harness.flow, harness.execution, harness.now, boom.id, State.RUNNING)
    assert error.value.path == "state"
