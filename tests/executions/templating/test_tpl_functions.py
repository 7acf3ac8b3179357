"""Functions: pure ones, the I/O hooks, render() and currentEachOutput()."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from executions.templating import Functions, Renderer, SandboxViolation, TemplateError

R = Renderer()
FLOW = {"namespace": "io.kestra.tests", "id": "my_flow"}
EXECUTION = {"id": "exec1"}
BASE = "kestra:///io/kestra/tests/my-flow/executions/exec1/tasks/t1/run1/file.txt"


def r(template: str, renderer: Renderer = R, **context: Any) -> str:
    return renderer.render(template, {"flow": FLOW, "execution": EXECUTION, **context})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ max(5, 10, 15) }} {{ min(5, 10, 15) }} {{ max(1, 2.5) }}", "15 5 2.5"),
        (
            "{{ range(0, 3) }} {{ range(0, 6, 2) }} {{ range('a', 'c') }}",
            '[0,1,2,3] [0,2,4,6] ["a","b","c"]',
        ),
        ('{{ fromJson(\'{"test1": 1, "test2": 2}\').test1 }}', "1"),
        (
            "{{ fromJson('{\"t\": [{\"x\": 666}, 2]}').t[0].x }} {{ fromJson('[1, 2, 3]')[0] }}",
            "666 1",
        ),
        ("{{ fromJson('{\"empty_object\":{}}') }}|{{ fromJson(null) }}|", '{"empty_object":{}}||'),
        ("{{ json('{\"a\": true}').a }}", "true"),
        (
            "{{ yaml(y).string }} {{ yaml(y).int }} {{ yaml(y).bool }} {{ yaml(y).float }}",
            "string 123 true 1.23",
        ),
        (
            "{{ yaml(y).instant }} {{ yaml(y).date }} {{ yaml(y).yes }}",
            "1918-02-24T00:00:00Z 1991-08-20 yes",
        ),
        ("{{ yaml(y).object.child.key }} {{ yaml(y).array[0] }}", "value string"),
        ("{{ randomInt(10, 10) }}", "10"),
    ],
)
def test_pure_functions(template: str, expected: str) -> None:
    document = (
        "# comment\nstring: string\nint: 123\nbool: true\nfloat: 1.23\n"
        'instant: "1918-02-24T00:00:00Z"\ndate: 1991-08-20\nyes: yes\n'
        "object:\n  child:\n    key: value\narray:\n  - string\n"
    )
    assert r(template, y=document) == expected


def test_identifiers_and_random_numbers() -> None:
    assert uuid.UUID(r("{{ uuid() }}"))
    assert re.fullmatch(r"[0-9A-Za-z]{1,22}", r("{{ id() }}"))
    assert re.fullmatch(r"[0-9A-Za-z]{27}", r("{{ ksuid() }}"))
    assert re.fullmatch(r"[\w-]{21}", r("{{ nanoId() }}"))
    assert re.fullmatch(r"[ab]{5}", r("{{ nanoId(length=5, alphabet='ab') }}"))
    assert r("{{ uuid() }}") != r("{{ uuid() }}")
    for _ in range(20):
        assert 1 <= int(r("{{ randomInt(1, 10) }}")) < 10
        assert -10 <= int(r("{{ randomInt(-10, -1) }}")) < -1


@pytest.mark.parametrize(
    "template",
    [
        "{{ randomInt(10) }}",
        "{{ randomInt('1', '10') }}",
        "{{ randomInt(10, 1) }}",
        "{{ fromJson('{not: json}') }}",
        "{{ fromJson(1) }}",
        "{{ yaml(1) }}",
        "{{ yaml('a: &x 1\nb: *x') }}",
        "{{ range(0, 10, 0) }}",
        "{{ range(0, 1000000) }}",
        "{{ range(1, 'b') }}",
    ],
)
def test_function_errors(template: str) -> None:
    with pytest.raises(TemplateError):
        r(template)


def test_render_is_recursive_unless_told_otherwise() -> None:
    context = {
        "first": "1",
        "second": "{{first}}",
        "third": "{{second}}",
        "fourth": "{{render(third, recursive=false)}}",
        "map": {"third": "{{third}}"},
        "list": ["{{third}}"],
        "number": 42,
        "nothing": None,
    }
    assert r("{{ third }}", **context) == "{{second}}"
    assert r("{{ render(third, recursive=false) }}", **context) == "{{first}}"
    assert r("{{ render(third) }}", **context) == "1"
    assert r("{{ render(fourth) }}", **context) == "1"
    assert r("{{ map }}", **context) == '{"third":"{{third}}"}'
    assert r("{{ render(map, recursive=false) }}", **context) == '{"third":"{{second}}"}'
    assert r("{{ render(map) }}", **context) == '{"third":"1"}'
    assert r("{{ render(list) }}", **context) == '["1"]'
    assert r("{{ renderOnce(third) }}", **context) == "{{first}}"
    assert r("{{ render(number) }} [{{ render(nothing) }}]", **context) == "42 []"
    assert r("{{ render(vars.x) }}", vars={"x": "{{ flow.id }}-{{ 1 + 1 }}"}) == "my_flow-2"
    assert r("{% set s = 'set' %}{{ render('{{ s }}') }}") == "set"


def test_render_keeps_raw_blocks_and_stops_runaway_recursion() -> None:
    assert r("{{ render(x) }}", x="{% raw %}{{first}}{% endraw %}", first="no") == "{{first}}"
    with pytest.raises(TemplateError, match="Too many rendering attempts"):
        r("{{ render(first) }}", first="{{second}}", second="{{first}}")
    with pytest.raises(TemplateError, match=r"Too many nested renderings|recursion"):
        r("{{ render(a) }}", a="{{ render(a) }}x")


def test_render_failure_is_not_caught_as_undefined() -> None:
    with pytest.raises(TemplateError, match="Unable to find `nope`"):
        r("{{ render(x) ?? 'fallback' }}", x="{{ nope }}")


def test_current_each_output() -> None:
    outputs = {"first": {"v1": {"value": "one"}, "v2": {"value": "two"}}}
    context = {"outputs": outputs, "taskrun": {"value": "v2"}, "parents": []}
    assert r("{{ currentEachOutput(outputs.first).value }}", **context) == "two"
    nested = {
        "outputs": {"t": {"a": {"x": {"1": {"value": "deep"}}}}},
        "taskrun": {"value": "1"},
        "parents": [{"taskrun": {"value": "x"}}, {"taskrun": {"value": "a"}}],
    }
    template = (
        "{{ currentEachOutput(outputs.t).value }}"
        " {{ outputs.t[parents[1].taskrun.value][parents[0].taskrun.value][taskrun.value].value }}"
    )
    assert r(template, **nested) == "deep deep"
    assert r(template, **nested) == "deep deep"  # parents are not reversed in place
    with pytest.raises(TemplateError, match="type map"):
        r("{{ currentEachOutput('x') }}", **context)


def test_print_context() -> None:
    rendered = r("{% set extra = 1 %}{{ printContext() }}", test="value")
    assert '"test":"value"' in rendered and '"extra":1' in rendered and "pebble" not in rendered


def test_io_hooks() -> None:
    calls: list[Any] = []
    store = {"my-key": {"field": "value"}}

    def kv(key: str, namespace: str | None, error_on_missing: bool) -> Any:
        calls.append((key, namespace, error_on_missing))
        return store.get(key)

    functions = Functions(
        read=lambda path: f"content of {path}",
        file_size=lambda uri: 12,
        kv=kv,
        secret=lambda key: {"TOKEN": "s3cr3t"}.get(key),
        error_logs=lambda: [{"taskId": "t1", "message": "boom"}],
        file_exists=lambda path: path.endswith(".txt"),
    )
    renderer = Renderer(functions)
    assert r("{{ read(f) }}", renderer, f=BASE) == f"content of {BASE}"
    assert r("{{ read('/scripts/run.sh') }}", renderer) == "content of scripts/run.sh"
    assert (
        r("{{ fileSize(f) }} {{ isFileEmpty(f) }} {{ fileExists(f) }}", renderer, f=BASE)
        == "12 false true"
    )
    assert r("{{ kv('my-key').field }}", renderer) == "value"
    assert r("{{ kv('other', errorOnMissing=false) ?? 'none' }}", renderer) == "none"
    assert r("{{ kv('other') ?? 'none' }}", renderer) == "none"  # errorOnMissing: not by default
    with pytest.raises(
        TemplateError, match=r"The key 'other' does not exist in the namespace 'io\.kestra\.tests'"
    ):
        r("{{ kv('other', errorOnMissing=true) }}", renderer)
    assert calls[0] == ("my-key", None, False) and calls[1] == ("other", None, False)
    assert r("{{ secret('TOKEN') }}", renderer) == "s3cr3t"
    with pytest.raises(TemplateError, match="Cannot find secret"):
        r("{{ secret('NOPE') }}", renderer)
    logs = (
        "{%- for log in errorLogs() -%}\n"
        "- task: {{ log.taskId }}, message: {{ log.message }}\n"
        "{%- endfor -%}"
    )
    assert r(logs, renderer) == "- task: t1, message: boom"
    assert (
        r("{{ fileURI('/sub/file.txt') }}", renderer)
        == "kestra:///io/kestra/tests/_files/sub/file.txt"
    )


def test_files_of_other_executions_are_refused() -> None:
    renderer = Renderer(Functions(read=lambda path: "secret data", file_size=lambda uri: 1))
    other = "kestra:///io/kestra/tests/other-flow/executions/exec9/file.txt"
    for template in ("{{ read(f) }}", "{{ fileSize(f) }}"):
        with pytest.raises(TemplateError, match="didn't belong to the current execution"):
            r(template, renderer, f=other)
    trigger = {"namespace": "io.kestra.tests", "flowId": "other-flow", "executionId": "exec9"}
    assert r("{{ read(f) }}", renderer, f=other, trigger=trigger) == "secret data"
    with pytest.raises(SandboxViolation):
        r("{{ read('../../etc/passwd') }}", renderer)
    with pytest.raises(TemplateError, match="URI"):
        r("{{ fileSize('relative.txt') }}", renderer)


def test_missing_hooks_name_the_function() -> None:
    for name, template in [
        ("read", "{{ read('x') }}"),
        ("kv", "{{ kv('k') }}"),
        ("secret", "{{ secret('k') }}"),
        ("errorLogs", "{{ errorLogs() }}"),
        ("fileSize", f"{{{{ fileSize('{BASE}') }}}}"),
    ]:
        with pytest.raises(TemplateError, match=f"'{name}' function is not available"):
            r(template)
