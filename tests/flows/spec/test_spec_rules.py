"""Kestra's flow-level rules (ids, tasks, types, properties, duplicates), with paths and lines."""

from __future__ import annotations

import pytest

from flows.spec import ValidationContext, validate_flow
from tests.flows.spec.conftest import LOG, flow_yaml

LOG_TYPE = "io.kestra.plugin.core.log.Log"


def violations(source: str, context: ValidationContext | None = None) -> list[tuple]:
    return [(v.path, v.message, v.line) for v in validate_flow(source, context).violations]


def messages(source: str, context: ValidationContext | None = None) -> list[str]:
    return [str(v) for v in validate_flow(source, context).violations]


@pytest.mark.parametrize("flow_id", ["a", "my-flow_1.v2", "A" * 100, "0start"])
def test_flow_ids_kestra_accepts(flow_id):
    assert validate_flow(flow_yaml(LOG, flow_id=flow_id)).ok


@pytest.mark.parametrize(
    ("flow_id", "message"),
    [
        ("-dash", 'must match "^[a-zA-Z0-9][a-zA-Z0-9._-]*$"'),
        ("my#flow", 'must match "^[a-zA-Z0-9][a-zA-Z0-9._-]*$"'),
        ("A" * 101, "size must be at most 100"),
        ('""', "must not be blank"),
    ],
)
def test_flow_ids_kestra_refuses(flow_id, message):
    assert violations(flow_yaml(LOG, flow_id=flow_id)) == [("id", message, 1)]


@pytest.mark.parametrize(
    ("namespace", "ok"),
    [
        ("io.kestra.tests", True),
        ("a_b-c.d", True),
        ("IO.kestra", False),
        ("MY$NS", False),
        ("." + "a", False),
        ("a" * 151, False),
    ],
)
def test_namespaces(namespace, ok):
    report = validate_flow(flow_yaml(LOG, namespace=namespace))
    assert report.ok is ok
    assert all(v.path == "namespace" and v.line == 2 for v in report.violations)


def test_flow_id_and_namespace_are_required():
    assert violations(f"tasks:\n{LOG}") == [
        ("id", "must not be null", 1),
        ("namespace", "must not be null", 1),
    ]


def test_task_ids_have_no_dots_but_input_ids_may():
    tasks = f"  - id: a.b\n    type: {LOG_TYPE}\n    message: x\n"
    assert violations(flow_yaml(tasks)) == [
        ("tasks[0].id", 'must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*$"', 4)
    ]
    inputs = "inputs:\n  - id: nested.more.int\n    type: INT\n"
    assert validate_flow(flow_yaml(LOG, extra=inputs)).ok


@pytest.mark.parametrize("block", ["", "tasks:\n", "tasks: []\n", "tasks: null\n"])
def test_flow_tasks_must_not_be_empty(block):
    report = validate_flow(f"id: f\nnamespace: n\n{block}")
    assert [(v.path, v.message) for v in report.violations] == [("tasks", "must not be empty")]


@pytest.mark.parametrize("kind", ["Parallel", "Sequential", "ForEach", "AllowFailure"])
@pytest.mark.parametrize("tasks", ["", "    tasks: []\n", "    tasks: null\n"])
def test_flowable_tasks_must_not_be_empty(kind, tasks):
    extra = "    values: [1]\n" if kind == "ForEach" else ""
    source = flow_yaml(f"  - id: p\n    type: io.kestra.plugin.core.flow.{kind}\n{extra}{tasks}")
    assert [(v.path, v.message) for v in validate_flow(source).violations] == [
        ("tasks[0].tasks", "must not be empty")
    ]


def test_if_then_must_not_be_empty():
    source = flow_yaml("  - id: i\n    type: io.kestra.plugin.core.flow.If\n    condition: x\n")
    assert [v.path for v in validate_flow(source).violations] == ["tasks[0].then"]


NESTED = f"""\
  - id: first
    type: {LOG_TYPE}
    message: one
  - id: second
    type: {LOG_TYPE}
    message: two
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{{{ true }}}}"
    then:
      - id: deep
        type: io.kestra.plugin.core.debug.Return
        format: 42
        formatt: typo
    else:
      - id: other
        type: io.kestra.plugin.core.debug.Nope
"""


def test_nested_errors_keep_their_full_path_and_line():
    assert violations(flow_yaml(NESTED)) == [
        (
            "tasks[2].then[0].formatt",
            'Unrecognized field "formatt" (class '
            "io.kestra.plugin.core.debug.Return), not marked as ignorable",
            17,
        ),
        ("tasks[2].else[0].type", "Invalid type: io.kestra.plugin.core.debug.Nope", 20),
    ]


def test_nested_property_type_error_has_its_path():
    source = flow_yaml(
        NESTED.replace("formatt: typo", "timeout: 5 minutes").replace("debug.Nope", "debug.Return")
    )
    [(path, message, line)] = violations(source)
    assert (path, line) == ("tasks[2].then[0].timeout", 17)
    assert "ISO-8601 duration" in message


def test_missing_type_says_so():
    assert violations(flow_yaml("  - id: t\n    message: hi\n")) == [
        ("tasks[0].type", "missing type id property 'type'", 4)
    ]


def test_task_must_be_a_mapping():
    [(path, message, _)] = violations(flow_yaml("  - just a string\n"))
    assert path == "tasks[0]" and "must be an object" in message


def test_unknown_property_ignored_when_not_strict():
    source = flow_yaml(NESTED.replace("debug.Nope", "debug.Return"), extra="extra: 1\n")
    assert len(violations(source)) == 2
    lenient = validate_flow(source, ValidationContext(strict=False))
    assert lenient.ok
    assert "formatt" not in lenient.flow.find_task("deep").model_dump(by_alias=True)


def test_all_violations_are_collected():
    source = (
        "id: my#flow\nnamespace: MY$NAMESPACE\ntasks:\n- type: io.kestra.plugin.core.log.Log\n"
        "  message: bla\n- id: x\n  type: io.kestra.plugin.core.log.Nope\n"
    )
    assert [v[0] for v in violations(source)] == ["id", "namespace", "tasks[0].id", "tasks[1].type"]


def test_duplicate_task_ids_across_every_branch():
    tasks = f"""\
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: {LOG_TYPE}
        message: x
    errors:
      - id: b
        type: {LOG_TYPE}
        message: x
    finally:
      - id: a
        type: {LOG_TYPE}
        message: x
"""
    extra = f"afterExecution:\n  - id: b\n    type: {LOG_TYPE}\n    message: x\n"
    assert violations(
        flow_yaml(
            tasks + "finally:\n  - id: seq\n    type: " + LOG_TYPE + "\n    message: x\n",
            extra=extra,
        )
    ) == [("tasks[0].finally[0].id", "Invalid Flow: Duplicate task id with name [a, seq, b]", 19)]


def test_duplicate_ids_in_a_dag_and_switch_cases():
    tasks = f"""\
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: x
          type: {LOG_TYPE}
          message: x
  - id: sw
    type: io.kestra.plugin.core.flow.Switch
    value: a
    cases:
      A:
        - id: x
          type: {LOG_TYPE}
          message: x
"""
    assert violations(flow_yaml(tasks)) == [
        ("tasks[1].cases.A[0].id", "Invalid Flow: Duplicate task id with name [x]", 16)
    ]


def test_duplicate_triggers_inputs_and_outputs():
    extra = """\
inputs:
  - {id: a, type: STRING}
  - {name: a, type: INT}
outputs:
  - {id: o, type: STRING, value: x}
  - {id: o, type: STRING, value: y}
triggers:
  - {id: t, type: io.kestra.plugin.core.trigger.Schedule, cron: "@daily"}
  - {id: t, type: io.kestra.plugin.core.trigger.Webhook, key: k}
"""
    assert [(p, m) for p, m, _ in violations(flow_yaml(LOG, extra=extra))] == [
        ("triggers[1].id", "Invalid Flow: Duplicate trigger id with name [t]"),
        ("inputs[1].id", "Invalid Flow: Duplicate input with name [a]"),
        ("outputs[1].id", "Invalid Flow: Duplicate output with name [o]"),
    ]
