"""Kestra's rules on inputs, flowable and executable tasks, triggers, retries, worker groups."""

from __future__ import annotations

import pytest

from flows.spec import ValidationContext, validate_flow
from tests.flows.spec.conftest import LOG, flow_yaml

LOG_TYPE = "io.kestra.plugin.core.log.Log"


def violations(source: str, context: ValidationContext | None = None) -> list[tuple]:
    return [(v.path, v.message, v.line) for v in validate_flow(source, context).violations]


def messages(source: str, context: ValidationContext | None = None) -> list[str]:
    return [str(v) for v in validate_flow(source, context).violations]


def test_input_rules():
    extra = """\
inputs:
  - {id: bad, type: FOO}
  - {id: file, type: FILE, defaults: x}
  - {id: arr, type: ARRAY, itemType: ARRAY}
  - {id: re, type: STRING, validator: "(unclosed"}
  - {id: sel, type: SELECT, values: ["(bad"]}
  - {id: dep, type: STRING, dependsOn: {inputs: [nope]}}
"""
    found = violations(flow_yaml(LOG, extra=extra))
    assert [(p, line) for p, _, line in found] == [
        ("inputs[0].type", 4),
        ("inputs[1].defaults", 5),
        ("inputs[2].itemType", 6),
        ("inputs[3].validator", 7),
        ("inputs[4].values[0]", 8),
    ]
    assert found[0][1] == "Invalid type: FOO"
    assert found[1][1] == "file: no `defaults` can be set for inputs of type 'FILE'"
    assert found[2][1] == "arr: `itemType` cannot be `ARRAY`"
    assert found[3][1].startswith("invalid pattern [(unclosed]")


def test_input_dependencies_must_exist_and_not_cycle():
    extra = """\
inputs:
  - {id: a, type: STRING, dependsOn: {inputs: [b]}}
  - {id: b, type: STRING, dependsOn: {inputs: [a]}}
  - {id: c, type: STRING, dependsOn: {inputs: [nope]}}
"""
    found = [(p, m) for p, m, _ in violations(flow_yaml(LOG, extra=extra))]
    assert (
        "inputs[2].dependsOn",
        "Invalid Flow: Input with id 'c' depends on a non-existent input 'nope'.",
    ) in found
    assert (
        "inputs[0].dependsOn",
        "Invalid Flow: Cycle dependency detected for input with id 'a': [a, b]",
    ) in found


def test_input_typed_defaults_accept_templates():
    extra = """\
inputs:
  - {id: i, type: INT, defaults: "{{ 1 + 1 }}"}
  - {id: b, type: BOOLEAN, defaults: "{{ true }}"}
  - {id: d, type: DURATION, defaults: PT5M}
  - {id: j, type: INT, defaults: nope}
"""
    assert [v[0] for v in violations(flow_yaml(LOG, extra=extra))] == ["inputs[3].defaults"]


DAG = f"""\
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {{id: task1, type: {LOG_TYPE}, message: x}}
        dependsOn: [task2]
      - task: {{id: task2, type: {LOG_TYPE}, message: x}}
        dependsOn: [task1]
      - task: {{id: task3, type: {LOG_TYPE}, message: x}}
        dependsOn: [task2]
"""


def test_dag_cycles_and_missing_dependencies():
    assert violations(flow_yaml(DAG)) == [
        ("tasks[0]", "dag: Cyclic dependency detected: task1, task2", 4)
    ]
    assert violations(flow_yaml(DAG.replace("[task1]", "[taskX]"))) == [
        ("tasks[0]", "dag: Not existing task id in dependency: taskX", 4)
    ]
    ok = DAG.replace("dependsOn: [task1]", "dependsOn: []")
    assert validate_flow(flow_yaml(ok)).ok


def test_switch_needs_cases_or_defaults():
    source = flow_yaml(
        "  - id: sw\n    type: io.kestra.plugin.core.flow.Switch\n    value: x\n    cases: {}\n"
    )
    assert violations(source) == [
        ("tasks[0]", "sw: No task defined, neither cases or default have any tasks", 4)
    ]


def test_working_directory_rules():
    head = "  - id: wd\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n"
    assert violations(flow_yaml(head)) == [
        ("tasks[0]", "wd: The 'tasks' property cannot be empty", 4)
    ]
    flowable = head + "    tasks:\n      - id: p\n        type: io.kestra.plugin.core.flow.Pause\n"
    assert violations(flow_yaml(flowable))[0][1] == (
        "wd: Only runnable tasks are allowed as children of a WorkingDirectory task"
    )
    grouped = head + (
        f"    tasks:\n      - id: l\n        type: {LOG_TYPE}\n        message: x\n"
        "        workerGroup: {key: gpu}\n"
    )
    assert "Cannot set a Worker Group" in violations(flow_yaml(grouped))[0][1]


@pytest.mark.parametrize("kind", ["Subflow", "ForEachItem"])
def test_a_flow_cannot_call_itself(kind):
    items = "    items: '{{ inputs.file }}'\n" if kind == "ForEachItem" else ""
    tasks = (
        f"  - id: call\n    type: io.kestra.plugin.core.flow.{kind}\n"
        f"    namespace: io.test\n    flowId: me\n{items}"
    )
    assert violations(flow_yaml(tasks, flow_id="me")) == [
        ("tasks[0]", "Invalid Flow: Recursive call to flow [io.test.me]", 4)
    ]
    assert validate_flow(flow_yaml(tasks, flow_id="other")).ok


def test_system_labels_are_refused_except_read_only():
    extra = "labels:\n  system.readOnly: 'true'\n  system.label: k\n  team: a\n"
    assert violations(flow_yaml(LOG, extra=extra)) == [
        (
            "labels[1]",
            "System labels can only be set by Kestra itself, offending label: system.label=k",
            5,
        )
    ]
    listed = "labels:\n  - key: system.correlationId\n    value: x\n"
    assert violations(flow_yaml(LOG, extra=listed))[0][:1] == ("labels[0]",)


def test_system_labels_are_refused_on_triggers_and_subflows():
    extra = (
        "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        "    cron: '0 * * * *'\n    labels:\n      system.x: y\n"
    )
    assert violations(flow_yaml(LOG, extra=extra))[0][:2] == (
        "triggers[0].labels[0]",
        "System labels can only be set by Kestra itself, offending label: system.x=y.",
    )
    tasks = (
        "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: a\n"
        "    flowId: b\n    labels:\n      - {key: system.y, value: z}\n"
    )
    assert violations(flow_yaml(tasks))[0][0] == "tasks[0].labels[0]"


def test_worker_groups_are_checked_against_the_declared_ones():
    context = ValidationContext(worker_groups=frozenset({"default", "gpu"}))
    tasks = f"  - id: t\n    type: {LOG_TYPE}\n    message: x\n    workerGroup:\n      key: toto\n"
    assert violations(flow_yaml(tasks), context) == [
        (
            "tasks[0].workerGroup",
            "Worker group 'toto' is not declared; declared groups: default, gpu",
            7,
        )
    ]
    assert validate_flow(flow_yaml(tasks.replace("toto", "gpu")), context).ok
    flow_level = "workerGroup:\n  key: cpu\n  fallback: WAIT\n"
    assert violations(flow_yaml(LOG, extra=flow_level), context)[0][0] == "workerGroup"
    bad_fallback = "workerGroup:\n  key: gpu\n  fallback: LATER\n"
    assert violations(flow_yaml(LOG, extra=bad_fallback), context)[0][0] == ("workerGroup.fallback")


def test_listeners_need_tasks():
    extra = (
        "listeners:\n  - conditions:\n      - type: io.kestra.plugin.core.condition."
        "ExecutionStatus\n    tasks: []\n  - tasks: []\n"
    )
    assert [(p, m) for p, m, _ in violations(flow_yaml(LOG, extra=extra))] == [
        ("listeners[0].tasks", "must not be empty"),
        ("listeners[1].tasks", "must not be empty"),
    ]


@pytest.mark.parametrize(
    ("retry", "path", "fragment"),
    [
        ("{type: constant, maxAttempts: 3}", "retry.interval", "must not be null"),
        ("{type: constant, interval: PT1M, maxAttempt: 0}", "retry.maxAttempt", "greater than"),
        (
            "{type: exponential, interval: PT1M, maxInterval: PT30S, maxAttempt: 2}",
            "retry",
            "'interval' must be less than 'maxInterval'",
        ),
        (
            "{type: random, minInterval: PT1S, maxInterval: PT5S, maxDuration: PT2S}",
            "retry",
            "'maxInterval' must be less than 'maxDuration'",
        ),
        (
            "{type: sometimes, interval: PT1M}",
            "retry.type",
            "'constant', 'exponential' or 'random'",
        ),
    ],
)
def test_retry_rules(retry, path, fragment):
    [(found_path, message, _)] = violations(flow_yaml(LOG, extra=f"retry: {retry}\n"))
    assert found_path == path and fragment in message


def test_concurrency_and_sla_rules():
    assert violations(flow_yaml(LOG, extra="concurrency: {limit: 0}\n"))[0][:2] == (
        "concurrency.limit",
        "must be greater than or equal to 1",
    )
    report = validate_flow(flow_yaml(LOG, extra="concurrency: {limit: 2}\n"))
    assert report.flow.concurrency.behavior == "QUEUE"
    sla = "sla:\n  - {id: s, type: MAX_DURATION, behavior: FAIL}\n"
    assert violations(flow_yaml(LOG, extra=sla))[0][:2] == ("sla[0].duration", "must not be null")


@pytest.mark.parametrize(
    ("cron", "seconds", "ok"),
    [
        ("0 * * * *", False, True),
        ("@daily", False, True),
        ("@hourly", False, True),
        ("*/5 1-3 * * MON-FRI", False, True),
        ("0 0 * * * *", True, True),
        ("0 0 * * * *", False, False),
        ("0 * * * *", True, False),
        ("61 * * * *", False, False),
        ("not a cron", False, False),
        ("@sometimes", False, False),
    ],
)
def test_schedule_cron_is_validated(cron, seconds, ok):
    extra = (
        f"triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        f"    cron: '{cron}'\n    withSeconds: {str(seconds).lower()}\n"
    )
    report = validate_flow(flow_yaml(LOG, extra=extra))
    assert report.ok is ok
    if not ok:
        assert report.violations[0].path == "triggers[0]"
        assert "invalid cron expression" in report.violations[0].message


def test_schedule_timezone_and_recover_missed_schedules():
    base = (
        "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        "    cron: '@daily'\n"
    )
    assert validate_flow(
        flow_yaml(
            LOG, extra=base + "    timezone: Europe/Paris\n    recoverMissedSchedules: LAST\n"
        )
    ).ok
    assert violations(flow_yaml(LOG, extra=base + "    timezone: Mars/Base\n"))[0][0] == (
        "triggers[0].timezone"
    )


def test_templates_are_accepted_where_kestra_properties_are_dynamic():
    tasks = """\
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ inputs.list }}"
    tasks:
      - id: pause
        type: io.kestra.plugin.core.flow.Pause
        delay: "{{ inputs.delay }}"
      - id: state
        type: io.kestra.plugin.core.state.Get
        namespace: "{{ inputs.flag }}"
  - id: items
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    namespace: a
    flowId: b
    revision: "{{ inputs.revision }}"
    batch:
      rows: "{{ inputs.rows }}"
"""
    assert validate_flow(flow_yaml(tasks)).ok
    assert violations(flow_yaml(tasks.replace('"{{ inputs.rows }}"', "many")))[0][0] == (
        "tasks[1].batch.rows"
    )


def test_webhook_refuses_multiple_condition():
    extra = """\
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: k
    conditions:
      - id: multiple
        type: io.kestra.plugin.core.condition.MultipleCondition
        conditions:
          a: {type: io.kestra.plugin.core.condition.ExecutionStatus, in: [SUCCESS]}
"""
    assert "MultipleCondition are not supported" in violations(flow_yaml(LOG, extra=extra))[0][1]


def test_unknown_condition_type_has_its_path():
    extra = (
        "triggers:\n  - id: f\n    type: io.kestra.plugin.core.trigger.Flow\n"
        "    conditions:\n      - type: io.kestra.plugin.core.condition.Nope\n"
    )
    assert violations(flow_yaml(LOG, extra=extra)) == [
        ("triggers[0].conditions[0].type", "Invalid type: io.kestra.plugin.core.condition.Nope", 7)
    ]


def test_parse_flow_raises_with_every_violation():
    from flows.spec import FlowSpecError, parse_flow

    with pytest.raises(FlowSpecError) as caught:
        parse_flow("id: my#flow\nnamespace: MY$NAMESPACE\n")
    assert [v.path for v in caught.value.violations] == ["id", "namespace", "tasks"]
    assert "tasks: must not be empty" in str(caught.value)


def test_plugin_defaults_need_values():
    extra = "pluginDefaults:\n  - type: a.B\n    values: {x: null, y: 1}\n"
    assert violations(flow_yaml(LOG, extra=extra)) == [
        ("pluginDefaults[0].values", "Invalid Plugin Default: No value provided for key 'x'", 5)
    ]
    assert violations(flow_yaml(LOG, extra="pluginDefaults:\n  - type: a.B\n")) == [
        ("pluginDefaults[0].values", "must not be null", 4)
    ]
