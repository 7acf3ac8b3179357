"""The models: Kestra-shaped dumps, normalizations, warnings and the executor's helpers."""

from __future__ import annotations

import pytest

from flows.spec import (
    Flow,
    FlowableTask,
    Label,
    Retry,
    Task,
    parse_flow,
    registry,
    validate_flow,
)
from tests.flows.spec.conftest import LOG, flow_yaml

FULL = """\
id: full
namespace: io.test
labels:
  team: data
  answer: 42
  flag: true
  ratio: 3.5
taskDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: {level: WARN}
inputs:
  - name: legacy
    type: STRING
  - id: n
    type: INT
    defaults: 3
tasks:
  - id: seq
    type: io.kestra.core.tasks.flows.Sequential
    tasks:
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: "{{ inputs.n > 1 }}"
        then:
          - id: then1
            type: io.kestra.plugin.core.debug.Return
            format: yes
        else:
          - id: else1
            type: io.kestra.plugin.core.log.Log
            message: [a, b]
    errors:
      - id: err1
        type: io.kestra.plugin.core.log.Log
        message: failed
  - id: sw
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.n }}"
    cases:
      "1":
        - id: case1
          type: io.kestra.plugin.core.debug.Return
          format: one
    defaults:
      - id: dflt
        type: io.kestra.plugin.core.debug.Return
        format: other
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: d1, type: io.kestra.plugin.core.debug.Return, format: a}
      - task: {id: d2, type: io.kestra.plugin.core.debug.Return, format: b}
        dependsOn: [d1]
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: io.other
    flowId: child
errors:
  - id: flow_err
    type: io.kestra.plugin.core.log.Log
    message: flow failed
finally:
  - id: fin
    type: io.kestra.plugin.core.log.Log
    message: done
afterExecution:
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
listeners:
  - tasks:
      - id: listen
        type: io.kestra.plugin.core.log.Log
        message: heard
retry:
  type: constant
  interval: PT1M
  maxAttempt: 3
triggers:
  - id: daily
    type: io.kestra.core.models.triggers.types.Schedule
    cron: "@daily"
    conditions:
      - type: io.kestra.core.models.conditions.types.DayWeekCondition
        dayOfWeek: MONDAY
"""


@pytest.fixture(scope="module")
def report():
    return validate_flow(FULL)


@pytest.fixture(scope="module")
def flow(report):
    assert report.violations == []
    return report.flow


def test_dump_is_kestra_shaped_and_keeps_what_was_written(flow):
    dumped = flow.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert list(dumped)[:3] == ["id", "namespace", "labels"]
    assert dumped["labels"] == [
        {"key": "team", "value": "data"},
        {"key": "answer", "value": "42"},
        {"key": "flag", "value": "true"},
        {"key": "ratio", "value": "3.5"},
    ]
    assert dumped["pluginDefaults"] == [
        {"type": "io.kestra.plugin.core.log.Log", "values": {"level": "WARN"}}
    ]
    assert "taskDefaults" not in dumped
    assert dumped["retry"] == {"type": "constant", "interval": "PT1M", "maxAttempts": 3}
    assert dumped["tasks"][0]["type"] == "io.kestra.core.tasks.flows.Sequential"
    assert dumped["tasks"][0]["tasks"][0]["then"][0] == {
        "id": "then1",
        "type": "io.kestra.plugin.core.debug.Return",
        "format": "yes",
    }
    assert dumped["tasks"][0]["tasks"][0]["else"][0]["message"] == ["a", "b"]
    assert dumped["tasks"][2]["tasks"][1] == {
        "task": {"id": "d2", "type": "io.kestra.plugin.core.debug.Return", "format": "b"},
        "dependsOn": ["d1"],
    }
    assert "finally" in dumped and "afterExecution" in dumped
    assert "disabled" not in dumped["tasks"][3]  # defaults the source did not write stay out
    assert dumped["inputs"][0] == {"id": "legacy", "name": "legacy", "type": "STRING"}


def test_typed_attributes(flow):
    assert flow.retry.max_attempts == 3
    assert flow.finally_[0].id == "fin" and flow.after_execution[0].id == "after"
    assert flow.labels[1] == Label(key="answer", value="42")
    assert flow.inputs[1].defaults == 3
    call = flow.find_task("call")
    assert (call.wait, call.transmit_failed, call.inherit_labels) == (True, True, False)
    assert call.kind == "executable" and call.subflow_target() == ("io.other", "child")


def test_all_tasks_walks_every_branch_in_kestras_order(flow):
    assert [t.id for t in flow.all_tasks()] == [
        "seq",
        "if",
        "then1",
        "else1",
        "err1",
        "sw",
        "case1",
        "dflt",
        "dag",
        "d1",
        "d2",
        "call",
        "flow_err",
        "fin",
        "after",
        "listen",
    ]


def test_task_items_give_the_paths(flow):
    paths = {task.id: loc for loc, task in flow.task_items()}
    assert paths["then1"] == ("tasks", 0, "tasks", 0, "then", 0)
    assert paths["case1"] == ("tasks", 1, "cases", "1", 0)
    assert paths["d2"] == ("tasks", 2, "tasks", 1, "task")
    assert paths["listen"] == ("listeners", 0, "tasks", 0)


def test_find_task(flow):
    assert flow.find_task("else1").message == ["a", "b"]
    with pytest.raises(KeyError):
        flow.find_task("nope")


def test_child_branches_and_kinds(flow):
    seq = flow.find_task("seq")
    assert isinstance(seq, FlowableTask) and seq.kind == "flowable"
    assert {k: [t.id for t in v] for k, v in seq.child_branches().items()} == {
        "tasks": ["if"],
        "errors": ["err1"],
    }
    assert {k: [t.id for t in v] for k, v in flow.find_task("if").child_branches().items()} == {
        "then": ["then1"],
        "else": ["else1"],
    }
    assert {k: [t.id for t in v] for k, v in flow.find_task("sw").child_branches().items()} == {
        "cases.1": ["case1"],
        "defaults": ["dflt"],
    }
    assert flow.find_task("then1").kind == "runnable"
    assert flow.find_task("then1").child_branches() == {}


def test_legacy_and_deprecated_things_are_warnings(report):
    warnings = {(w.path, w.message) for w in report.warnings}
    assert (
        "taskDefaults",
        "Property 'taskDefaults' is deprecated, use 'pluginDefaults' instead",
    ) in warnings
    assert (
        "tasks[0].type",
        "Type 'io.kestra.core.tasks.flows.Sequential' is deprecated, use "
        "'io.kestra.plugin.core.flow.Sequential' instead",
    ) in warnings
    assert (
        "triggers[0].type",
        "Type 'io.kestra.core.models.triggers.types.Schedule' is "
        "deprecated, use 'io.kestra.plugin.core.trigger.Schedule' instead",
    ) in warnings
    assert (
        "triggers[0].conditions[0].type",
        "Type 'io.kestra.core.models.conditions.types."
        "DayWeekCondition' is deprecated, use 'io.kestra.plugin.core.condition.DayWeek' "
        "instead",
    ) in warnings
    assert ("inputs[0].name", "Property 'name' is deprecated") in warnings
    assert ("listeners", "Property 'listeners' is deprecated") in warnings
    assert all(w.line for w in report.warnings)


def test_deprecated_type_warns(report):
    source = flow_yaml("  - id: e\n    type: io.kestra.plugin.core.debug.Echo\n    format: x\n")
    [warning] = validate_flow(source).warnings
    assert warning.path == "tasks[0].type" and "deprecated" in warning.message


def test_labels_list_form_and_plain_values():
    source = flow_yaml(LOG, extra="labels:\n  - key: a\n    value: b\n")
    assert parse_flow(source).labels == [Label(key="a", value="b")]


def test_task_defaults_fold_after_plugin_defaults():
    extra = (
        "pluginDefaults:\n  - {type: a.B, values: {x: 1}}\n"
        "taskDefaults:\n  - {type: c.D, forced: true, values: {y: 2}}\n"
    )
    flow = parse_flow(flow_yaml(LOG, extra=extra))
    assert [(d.type, d.forced) for d in flow.plugin_defaults] == [("a.B", False), ("c.D", True)]


def test_programmatic_models_use_snake_case_and_fill_the_type():
    log = registry.task_class("io.kestra.plugin.core.log.Log")(
        id="x", message="hi", allow_failure=True
    )
    assert log.type == "io.kestra.plugin.core.log.Log"
    assert log.model_dump(by_alias=True, exclude_none=True, mode="json") == {
        "id": "x",
        "type": "io.kestra.plugin.core.log.Log",
        "allowFailure": True,
        "message": "hi",
    }
    retry = Retry(type="constant", interval="PT1S", max_attempts=2)
    assert retry.model_dump(by_alias=True, mode="json")["maxAttempts"] == 2
    flow = Flow(id="f", namespace="n", tasks=[log])
    assert flow.find_task("x") is log


def test_a_class_refuses_another_type_name():
    cls = registry.task_class("io.kestra.plugin.core.log.Log")
    with pytest.raises(ValueError, match="Invalid type"):
        cls.model_validate(
            {"id": "x", "type": "io.kestra.plugin.core.debug.Return", "message": "m"}
        )


def test_subclasses_share_the_task_contract():
    for cls in registry.task_types():
        assert issubclass(cls, Task)
        assert cls.kind in ("runnable", "flowable", "executable")
        assert cls.type_names and all(isinstance(n, str) for n in cls.type_names)


def test_the_dump_loads_back_without_the_yaml_layer(flow):
    """What the executor does with a stored definition: Flow.model_validate(json)."""
    dumped = flow.model_dump(by_alias=True, exclude_none=True, mode="json")
    again = Flow.model_validate(dumped)
    assert again.model_dump(by_alias=True, exclude_none=True, mode="json") == dumped
    assert [t.id for t in again.all_tasks()] == [t.id for t in flow.all_tasks()]
