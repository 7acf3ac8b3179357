"""Expressions from Kestra's own test flows (shared/kestra-flows/valids), as they run there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from executions.templating import Functions, Renderer, TemplateError
from executions.templating.compiler import compile_template

R = Renderer()
FLOWS = Path(__file__).resolve().parents[3].parent / "shared" / "kestra-flows" / "valids"
# The one template in the corpus that is invalid on purpose (the flow must fail).
INVALID_ON_PURPOSE = {"flowable-with-parent-fail.yaml"}
EACH = "{{ (currentEachOutput(outputs.getEach1).data.value ?? 'null') ~ '-' ~ taskrun.value }}"


def test_ternary_fails_only_on_the_undefined_branch() -> None:
    template = "{{taskrun.attemptsCount == 3 ? 'ok' : ko}}"
    assert R.render(template, {"taskrun": {"attemptsCount": 3}}) == "ok"
    with pytest.raises(TemplateError, match="Unable to find `ko`"):
        R.render(template, {"taskrun": {"attemptsCount": 1}})
    failed = "{{ (inputs.failed ?? 'NONE') == 'FIRST' ? ko : '0'}}"
    assert R.render(failed, {}) == "0"
    assert (
        R.render(
            "{{ inputs.failed == 'true' ? ko: taskrun.id }}",
            {"inputs": {"failed": "false"}, "taskrun": {"id": "tr"}},
        )
        == "tr"
    )


def test_inputs_that_do_not_exist() -> None:
    assert R.render("{{ inputs.crash is defined }}", {}) == "false"
    assert R.render("{{ inputs.crash is defined }}", {"inputs": {"crash": "x"}}) == "true"
    with pytest.raises(
        TemplateError,
        match=r"Unable to find `inputs` used in the expression `\{\{inputs.invalid\}\}` at line 1",
    ):
        R.render("{{inputs.invalid}}", {"flow": {"id": "f"}})
    assert R.render("{{ outputs.not_existing ?? '' }}", {}) == ""
    assert R.render("{{ inputs['emptyKey']['foo'] }}", {"inputs": {"emptyKey": {"foo": ""}}}) == ""
    nested = {"inputs": {"emptySubObject": {"json": {"someEmptyObject": {}}}}}
    assert R.render("{{ inputs.emptySubObject.json.someEmptyObject }}", nested) == "{}"


def test_foreach_variables() -> None:
    context: dict[str, Any] = {
        "task": {"id": "2_end"},
        "taskrun": {"value": "a a", "startDate": "2024-01-01T10:00:00.123Z"},
        "parents": [{"taskrun": {"value": "s1"}}, {"taskrun": {"value": "v0"}}],
        "parent": {"taskrun": {"value": "value 1"}},
        "outputs": {
            "1-2-1_return": {"s1": {"a a": {"value": "deep"}}},
            "1-1-1_output": {"v0": {"s1": {"a a": {"value": "out"}}}},
        },
    }
    assert R.render("{{ parents[0].taskrun.value }}", context) == "s1"
    assert (
        R.render(
            "{{parents[1].taskrun.value}}-{{ parents[0].taskrun.value }}-{{ taskrun.value }}",
            context,
        )
        == "v0-s1-a a"
    )
    assert (
        R.render("{{task.id}} > {{outputs['1-2-1_return'].s1['a a'].value}}", context)
        == "2_end > deep"
    )
    template = (
        "{{ outputs['1-1-1_output'][parents[1].taskrun.value][parents[0].taskrun.value]"
        "[taskrun.value].value }}"
    )
    assert R.render(template, context) == "out"
    assert R.render("{{ currentEachOutput(outputs['1-1-1_output']).value }}", context) == "out"
    assert R.render("{{ parent.taskrun.value == 'value 1' ? 'ok' : ko }}", context) == "ok"
    assert (
        R.render("{{task.id}} > {{taskrun.value}} > {{taskrun.startDate}}", context)
        == "2_end > a a > 2024-01-01T10:00:00.123Z"
    )
    each = {
        "outputs": {"getEach1": {"1": {"data": {"value": "v"}}}},
        "taskrun": {"value": "1"},
        "parents": [],
    }
    assert (
        R.render(
            EACH,
            each,
        )
        == "v-1"
    )
    each["outputs"]["getEach1"]["1"] = {}
    assert (
        R.render(
            EACH,
            each,
        )
        == "null-1"
    )


def test_json_values_in_foreach() -> None:
    context = {
        "taskrun": {"value": '{"key": "my-complex", "value": {"sub": 1}}'},
        "parent": {"taskrun": {"value": '{"key": "k"}'}},
    }
    assert R.render("{{ taskrun.value | jq('.key') }}", context) == '["my-complex"]'
    assert R.render("{{ taskrun.value | jq('.key') | first }}", context) == "my-complex"
    assert (
        R.render(
            "{{task.id}} > JSON > {{ parent.taskrun.value | jq('.key') }}",
            {**context, "task": {"id": "t"}},
        )
        == 't > JSON > ["k"]'
    )
    assert R.render("{{ taskrun.value is json }}", context) == "true"
    assert R.render("{{ taskrun.value is json }}", {"taskrun": {"value": "value 1"}}) == "false"
    assert (
        R.render("{{ taskrun.value equals 'value 2' }}", {"taskrun": {"value": "value 2"}})
        == "true"
    )
    template = (
        "{% for entry in json(taskrun.value) %}{{ entry.key }}={{ entry.value }};{% endfor %}"
    )
    assert R.render(template, {"taskrun": {"value": '{"a": 1, "b": [2]}'}}) == "a=1;b=[2];"


def test_outputs_and_state_expressions() -> None:
    template = (
        "{{ (outputs.state.data.value ?? 0) == 0 ? 'create'"
        " : ( outputs.state.data.value == 1 ? 'update' : 'delete') }}"
    )
    assert R.render(template, {}) == "create"
    assert R.render(template, {"outputs": {"state": {"data": {"value": 1}}}}) == "update"
    assert R.render(template, {"outputs": {"state": {"data": {"value": 2}}}}) == "delete"
    assert (
        R.render(
            "{{ outputs.state.data.value + 1 }}", {"outputs": {"state": {"data": {"value": 1}}}}
        )
        == "2"
    )
    assert (
        R.render(
            "{{ outputs.output_values.values.count == '4'}}",
            {"outputs": {"output_values": {"values": {"count": "4"}}}},
        )
        == "true"
    )
    assert (
        R.render(
            "{{ outputs.second.uris['out/stay.txt'] }}",
            {"outputs": {"second": {"uris": {"out/stay.txt": "kestra:///x"}}}},
        )
        == "kestra:///x"
    )
    assert (
        R.render(
            "{{ outputs.default.value ?? outputs['error-t1'].value }}",
            {"outputs": {"error-t1": {"value": "e"}}},
        )
        == "e"
    )
    assert (
        R.render("{{ outputs.return }}", {"outputs": {"return": {"value": "flow-with-outputs"}}})
        == '{"value":"flow-with-outputs"}'
    )
    with pytest.raises(TemplateError, match="Unable to find `notexists`"):
        R.render("{{ outputs.notexists == 2 }}", {"outputs": {"t": {}}})


def test_flow_execution_labels_and_globals() -> None:
    context = {
        "flow": {"id": "my-flow", "namespace": "io.kestra.tests"},
        "execution": {"id": "exec", "startDate": "2024-01-01T10:00:00.123Z"},
        "labels": {"key1": "v1", "system": {"correlationId": "root"}},
        "globals": {"string": "string", "int": 1, "bool": True, "nested": {"int": 2}},
        "envs": {"test1": "true", "test2": "Pass by env"},
    }
    assert R.render("{{ flow.namespace ~ '.' ~ flow.id }}", context) == "io.kestra.tests.my-flow"
    assert (
        R.render("My grandparent is {{labels.system.correlationId}}", context)
        == "My grandparent is root"
    )
    assert (
        R.render(
            "{{globals.string}} {{globals.int}} {{globals.bool}} {{globals.nested.int}}", context
        )
        == "string 1 true 2"
    )
    assert R.render("{{envs.test1}} {{envs.test2}}", context) == "true Pass by env"
    assert R.render('{{ execution.startDate | date("yyyy-MM-dd") }}', context) == "2024-01-01"
    assert R.render("{{ execution.startDate }}", context) == "2024-01-01T10:00:00.123Z"


def test_render_of_vars_and_kv() -> None:
    variables = {"vars": {"first": "1", "second": "{{ vars.first }}", "third": "{{ vars.second }}"}}
    assert R.render("{{vars.second}}", variables) == "{{ vars.first }}"
    assert R.render("{{render(vars.third)}}", variables) == "1"
    kv = Renderer(
        Functions(kv=lambda key, namespace, error: {"my-key": {"field": "value"}}.get(key))
    )
    context = {
        "flow": {"namespace": "io.kestra.tests"},
        "inputs": {"namespace": "io.kestra.tests", "errorOnMissing": True},
    }
    assert kv.render("{{ kv('my-key').field ?? null }}", context) == "value"
    assert (
        kv.render("{{ kv('my-key', inputs.namespace, inputs.errorOnMissing).field }}", context)
        == "value"
    )
    with pytest.raises(
        TemplateError, match=r"The key 'my-key' does not exist in the namespace 'io\.kestra\.tests'"
    ):
        Renderer(Functions(kv=lambda *args: None)).render(
            "{{ kv('my-key', inputs.namespace, inputs.errorOnMissing).field }}", context
        )


def test_error_logs_template_from_errors_yaml() -> None:
    template = (
        "{%- for log in errorLogs() -%}\n"
        "- task: {{ log.taskId }}, message: {{ log.message }}\n"
        "{%- endfor -%}\n"
    )
    renderer = Renderer(Functions(error_logs=lambda: [{"taskId": "failed", "message": "boom"}]))
    assert renderer.render(template, {}) == "- task: failed, message: boom"


def _templates() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            found.append((name, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key, name)
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, name)

    for path in sorted(FLOWS.glob("*.y*ml")):
        for document in yaml.safe_load_all(path.read_text()):
            walk(document, path.name)
    return found


@pytest.mark.skipif(not FLOWS.is_dir(), reason="shared/kestra-flows is not next to the repository")
def test_every_template_of_the_corpus_compiles() -> None:
    templates = _templates()
    assert len(templates) > 250
    for name, template in templates:
        if name in INVALID_ON_PURPOSE:
            with pytest.raises(TemplateError):
                compile_template(template)
        else:
            compile_template(template)
