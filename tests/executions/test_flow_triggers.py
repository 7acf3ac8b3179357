"""Flow triggers, the pure evaluation: states, conditions, windows, preconditions, inputs."""

from datetime import UTC, datetime, timedelta

import pytest

from executions.engine.core import default_renderer
from executions.flow_triggers import Source, Window, evaluate, new_window

AT = datetime(2026, 3, 4, 10, 30, 15, tzinfo=UTC)
FLOW = "io.kestra.plugin.core.trigger.Flow"
COND = "io.kestra.plugin.core.condition."


def source(flow_id="up", state="SUCCESS", namespace="io.kestra.tests", **extra):
    data = {
        "id": f"ex-{flow_id}",
        "namespace": namespace,
        "flow_id": flow_id,
        "state": state,
        "variables": {"outputs": {"only": {"value": "hello"}}, "labels": {"some": "label"}},
    }
    data.update(extra)
    return Source(**data)


def run(src, triggers, windows=None, flow=("io.kestra.tests", "listener")):
    return evaluate(src, [(*flow, triggers)], windows or {}, AT, default_renderer())


def trig(**extra):
    return {"id": "listen", "type": FLOW, **extra}


def status(*states):
    return {"type": COND + "ExecutionStatus", "in": list(states)}


def of_flow(flow_id, namespace="io.kestra.tests"):
    return {"type": COND + "ExecutionFlow", "namespace": namespace, "flowId": flow_id}


def test_fires_on_terminal_states_by_default_with_trigger_variables():
    decision = run(source(), [trig()])
    assert [f.flow_id for f in decision.fires] == ["listener"]
    variables = decision.fires[0].trigger["variables"]
    assert variables["executionId"] == "ex-up"
    assert variables["namespace"] == "io.kestra.tests"
    assert variables["flowId"] == "up"
    assert variables["state"] == "SUCCESS"
    assert decision.fires[0].trigger["type"] == FLOW
    assert run(source(state="RUNNING"), [trig()]).fires == []


def test_states_listed_replace_the_terminal_default():
    assert run(source(state="PAUSED"), [trig(states=["PAUSED"])]).fires
    assert not run(source(state="SUCCESS"), [trig(states=["PAUSED"])]).fires


def test_a_flow_never_triggers_itself():
    assert run(source(flow_id="listener"), [trig()]).fires == []


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        (status("SUCCESS"), True),
        (status("FAILED"), False),
        ({"type": COND + "ExecutionStatus", "notIn": ["SUCCESS"]}, False),
        (of_flow("up"), True),
        (of_flow("other"), False),
        ({"type": COND + "ExecutionNamespace", "namespace": "io.kestra"}, False),
        ({"type": COND + "ExecutionNamespace", "namespace": "io.kestra", "prefix": True}, True),
        (
            {"type": COND + "ExecutionNamespace", "namespace": "tests", "comparison": "SUFFIX"},
            True,
        ),
        ({"type": COND + "ExecutionLabels", "labels": {"some": "label"}}, True),
        ({"type": COND + "ExecutionLabels", "labels": {"some": "other"}}, False),
        ({"type": COND + "Expression", "expression": "{{ trigger.flowId == 'up' }}"}, True),
        ({"type": COND + "Expression", "expression": "{{ outputs.only.value == 'x' }}"}, False),
        (
            {
                "type": COND + "ExecutionOutputs",
                "expression": "{{ trigger.outputs.key == 'value' }}",
            },
            True,
        ),
        ({"type": COND + "Not", "conditions": [status("FAILED")]}, True),
        ({"type": COND + "Or", "conditions": [status("FAILED"), of_flow("up")]}, True),
    ],
)
def test_conditions(condition, fires):
    src = source(outputs={"key": "value"}, labels={"some": "label"})
    assert bool(run(src, [trig(conditions=[condition])]).fires) is fires


def test_execution_outputs_is_false_without_outputs():
    condition = {"type": COND + "ExecutionOutputs", "expression": "{{ true }}"}
    assert not run(source(), [trig(conditions=[condition])]).fires


def test_inputs_are_rendered_in_the_source_context_not_validated():
    decision = run(source(), [trig(inputs={"from-parent": "{{ outputs.only.value }}", "n": 3})])
    assert decision.fires[0].inputs == {"from-parent": "hello", "n": 3}


def test_a_condition_that_cannot_render_fires_nothing():
    condition = {"type": COND + "Expression", "expression": "{{ missing.thing }}"}
    assert run(source(), [trig(conditions=[condition])]).fires == []


MULTIPLE = {
    "id": "multiple",
    "type": COND + "MultipleCondition",
    "window": "P1D",
    "windowAdvance": "P0D",
    "conditions": {"success": status("SUCCESS"), "a": of_flow("a"), "b": of_flow("b")},
}
KEY = ("io.kestra.tests", "listener", "listen", "multiple")


def test_multiple_condition_fires_once_all_met_within_the_window_then_resets():
    first = run(source("a"), [trig(conditions=[MULTIPLE])])
    assert first.fires == []
    window = first.windows[KEY]
    assert window.results == {"success": True, "a": True}
    assert window.start == datetime(2026, 3, 4, tzinfo=UTC)
    second = run(source("b"), [trig(conditions=[MULTIPLE])], {KEY: window})
    assert [f.trigger["variables"]["flowId"] for f in second.fires] == ["b"]
    assert second.windows[KEY] is None  # resetOnSuccess


def test_an_expired_window_starts_again():
    old = Window(AT - timedelta(days=3), AT - timedelta(days=2), {"a": True, "success": True})
    decision = run(source("b"), [trig(conditions=[MULTIPLE])], {KEY: old})
    assert decision.fires == []
    assert decision.windows[KEY].results == {"success": True, "b": True}


PRECONDITIONS = {
    "id": "flow",
    "flows": [
        {"namespace": "io.kestra.tests", "flowId": "a", "states": ["SUCCESS", "FAILED"]},
        {"namespace": "io.kestra.tests", "flowId": "b", "states": ["SUCCESS"]},
    ],
    "where": [
        {
            "id": "flow1",
            "filters": [
                {"field": "NAMESPACE", "type": "STARTS_WITH", "value": "io.kestra"},
                {"field": "FLOW_ID", "type": "EQUAL_TO", "value": "a"},
                {"field": "EXPRESSION", "type": "IS_TRUE", "value": "{{labels.some == 'label'}}"},
            ],
        },
        {
            "id": "flow2",
            "operand": "OR",
            "filters": [
                {"field": "FLOW_ID", "type": "EQUAL_TO", "value": "b"},
                {"field": "STATE", "type": "IN", "values": ["KILLED"]},
            ],
        },
    ],
}


def test_preconditions_wait_for_every_upstream_and_where_group():
    windows: dict = {}
    fired = []
    for flow_id in ("a", "a", "b"):
        decision = run(source(flow_id), [trig(preconditions=PRECONDITIONS)], windows)
        fired += decision.fires
        windows = {k: v for k, v in decision.windows.items() if v is not None}
    assert [f.trigger["variables"]["executionId"] for f in fired] == ["ex-b"]
    assert windows == {}


def test_a_where_expression_that_cannot_render_only_fails_its_filter():
    src = source("b")
    src.variables = {"labels": {}}
    decision = run(src, [trig(preconditions=PRECONDITIONS)])
    key = ("io.kestra.tests", "listener", "listen", "flow")
    assert decision.windows[key].results == {"io.kestra.tests.b": True, "flow2": True}


def test_preconditions_ignore_upstream_in_other_states():
    decision = run(source("b", state="FAILED"), [trig(preconditions=PRECONDITIONS)])
    key = ("io.kestra.tests", "listener", "listen", "flow")
    assert decision.windows[key].results == {"flow2": True}  # the where group alone


@pytest.mark.parametrize(
    ("time_window", "start", "end"),
    [
        (None, datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)),
        (
            {"window": "PT15M"},
            datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
            datetime(2026, 3, 4, 10, 45, tzinfo=UTC),
        ),
        (
            {"type": "DAILY_TIME_DEADLINE", "deadline": "09:00:00"},
            datetime(2026, 3, 4, tzinfo=UTC),
            datetime(2026, 3, 4, 9, tzinfo=UTC),
        ),
        (
            {"type": "DAILY_TIME_WINDOW", "startTime": "08:00:00", "endTime": "12:00:00"},
            datetime(2026, 3, 4, 8, tzinfo=UTC),
            datetime(2026, 3, 4, 12, tzinfo=UTC),
        ),
        (
            {"type": "SLIDING_WINDOW", "window": "PT1H"},
            datetime(2026, 3, 4, 10, 30, 15, tzinfo=UTC),
            datetime(2026, 3, 4, 11, 30, 15, tzinfo=UTC),
        ),
    ],
)
def test_windows(time_window, start, end):
    window = new_window(time_window, AT)
    assert window.start == start
    assert abs(window.end - end) <= timedelta(milliseconds=1)


def test_only_windows_a_sub_condition_changes_are_locked_in_key_order():
    from executions.flow_triggers import windows_to_update

    other = {**MULTIPLE, "id": "another", "conditions": {"c": of_flow("c")}}
    triggers = [trig(conditions=[MULTIPLE]), {**trig(conditions=[other]), "id": "a-trigger"}]
    decision = run(source("a"), triggers)
    assert windows_to_update(decision) == [KEY]
    assert windows_to_update(run(source("z", state="FAILED"), triggers)) == []
