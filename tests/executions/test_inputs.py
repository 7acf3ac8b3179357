"""Typed execution inputs: Kestra's readExecutionInputs scenarios, then each type and rule."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from executions.inputs import InputError, decrypt_secrets, read_inputs, secret_values, with_defaults
from tests.conftest import CORPUS, corpus_available

needs_corpus = pytest.mark.skipif(not corpus_available(), reason="Kestra corpus not available")


def encrypt(value: str) -> str:
    return "enc:" + base64.b64encode(value.encode()).decode()


def decrypt(value: str) -> str:
    assert value.startswith("enc:"), value
    return base64.b64decode(value[4:]).decode()


def store_file(input_id: str, content: Any) -> str:
    name = Path(getattr(content, "name", "upload.upl")).name
    return f"kestra:///io/kestra/tests/inputs/executions/test/inputs/{input_id}/{name}"


def render(expression: str, context: dict[str, Any]) -> Any:
    """A stand-in for render_typed: `{{ inputs.a equals 'x' }}`, `{{ inputs.a }}`, `{{ [..] }}`."""
    body = expression.strip().removeprefix("{{").removesuffix("}}").strip()
    if body.startswith("["):
        return json.loads(body.replace("'", '"'))
    match = re.fullmatch(r"([\w.]+)(?:\s+equals\s+'([^']*)')?", body)
    assert match, expression
    value: Any = context
    for part in match.group(1).split("."):
        if not isinstance(value, dict) or part not in value:
            raise LookupError(f"Unable to find `{part}` used in the expression `{expression}`")
        value = value[part]
    return value == match.group(2) if match.group(2) is not None else value


def read(declared: list, raw: dict, **kwargs: Any) -> dict:
    kwargs.setdefault("store_file", store_file)
    kwargs.setdefault("encrypt", encrypt)
    kwargs.setdefault("render", render)
    return read_inputs(declared, raw, **kwargs)


def refused(declared: list, raw: dict, **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        read(declared, raw, **kwargs)
    return caught.value


# -- Kestra's scenarios ------------------------------------------------------------------------


def _scenarios() -> list[tuple[dict, dict]]:
    if not corpus_available():
        return []
    scenarios = [json.loads(line) for line in (CORPUS / "SCENARIOS.jsonl").read_text().splitlines()]
    checks = [json.loads(line) for line in (CORPUS / "CHECKS.jsonl").read_text().splitlines()]
    return [
        (scenario, check)
        for scenario, check in zip(scenarios, checks, strict=True)
        if scenario["file"] == "valids/inputs.yaml"
    ]


def _flow_inputs(file: str = "valids/inputs.yaml") -> list[dict]:
    return yaml.safe_load((CORPUS / file).read_text())["inputs"]


def _raw(scenario: dict) -> dict:
    raw = dict(scenario["inputs"])
    raw["file"] = (CORPUS / raw["file"]).open("rb")
    return raw


@needs_corpus
@pytest.mark.parametrize(
    ("scenario", "check"),
    [pair for pair in _scenarios() if pair[0]["run"] == "readExecutionInputs"],
    ids=lambda value: value.get("name", "") if isinstance(value, dict) else "",
)
def test_kestra_validation_scenario(scenario: dict, check: dict) -> None:
    raw = _raw(scenario)
    try:
        error = refused(_flow_inputs(), raw)
    finally:
        raw["file"].close()
    rejected = [c for c in check["checks"] if c["kind"] == "rejected"]
    assert rejected
    for expected in rejected:
        matching = [v for v in error.violations if v.path == expected["field"]]
        assert matching, (expected, error.violations)
        assert (
            expected["message_contains"].removeprefix(
                expected["field"].removeprefix("inputs.") + ": "
            )
            in matching[0].message
        )
        assert expected["message_contains"] in str(error)
    assert len(error.violations) == 1


@needs_corpus
def test_enum_message_is_exactly_kestras() -> None:
    scenario = next(s for s, _ in _scenarios() if s["name"] == "validation-enum")
    raw = _raw(scenario)
    with raw["file"]:
        error = refused(_flow_inputs(), raw)
    assert str(error) == (
        "enum: Invalid input for `enum`, it must match the values `[ENUM_VALUE, OTHER_ONE]`, "
        "but received `INVALID`"
    )


@needs_corpus
@pytest.mark.parametrize("name", ["inputFlow", "inputEmptyJsonFlow"])
def test_kestra_typed_scenarios_are_accepted(name: str) -> None:
    scenario, check = next((s, c) for s, c in _scenarios() if s["name"] == name)
    raw = _raw(scenario)
    with raw["file"]:
        typed = read(_flow_inputs(), raw)
    for expected in (c for c in check["checks"] if c["kind"] == "input"):
        assert typed[expected["path"]] == expected["equals"]
    assert re.fullmatch(
        "kestra:///io/kestra/tests/inputs/executions/.*/inputs/file/application-test.yml",
        typed["file"],
    )
    assert decrypt_secrets(_flow_inputs(), typed, decrypt)["secret"] == "secret"
    assert typed["optional"] is None


@needs_corpus
def test_all_valid_inputs_as_kestra_asserts_them() -> None:
    scenario = next(s for s, _ in _scenarios() if s["name"] == "inputFlow")
    raw = _raw(scenario)
    with raw["file"]:
        typed = read(_flow_inputs(), raw)
    assert typed["string"] == "myString"
    assert typed["int"] == 42
    assert typed["float"] == 42.42
    assert typed["bool"] is False
    assert typed["instant"] == "2019-10-06T18:27:49Z"
    assert typed["instantDefaults"] == "2013-08-09T14:19:00Z"
    assert typed["date"] == "2019-10-06"
    assert typed["time"] == "18:27:49"
    assert typed["duration"] == "PT5M6S"
    assert typed["file"] == (
        "kestra:///io/kestra/tests/inputs/executions/test/inputs/file/application-test.yml"
    )
    assert typed["json"] == {"a": "b"}
    assert typed["uri"] == "https://www.google.com"
    assert typed["nested"] == {"string": "a string", "bool": True, "more": {"int": 123}}
    assert typed["validatedString"] == "A123"
    assert typed["validatedInt"] == 12
    assert typed["validatedDate"] == "2023-01-02"
    assert typed["validatedDateTime"] == "2023-01-01T00:00:10Z"
    assert typed["validatedDuration"] == "PT15S"
    assert typed["validatedFloat"] == 0.42
    assert typed["validatedTime"] == "11:27:49"
    assert typed["secret"] != "secret"
    assert decrypt(typed["secret"]) == "secret"
    assert typed["array"] == [1, 2, 3]
    assert typed["yaml"] == {"some": "property", "alist": ["of", "values"]}
    assert typed["empty"] == ""
    assert typed["optionalFile"] is None
    assert json.loads(json.dumps(typed)) == typed


@needs_corpus
def test_missing_optional_input_is_present_as_null() -> None:
    scenario = next(s for s, _ in _scenarios() if s["name"] == "inputFlow")
    raw = _raw(scenario)
    del raw["bool"]
    with raw["file"]:
        typed = read(_flow_inputs(), raw)
    assert "bool" in typed
    assert typed["bool"] is None


@needs_corpus
def test_every_error_is_reported_at_once() -> None:
    scenario = next(s for s, _ in _scenarios() if s["name"] == "inputFlow")
    raw = _raw(scenario) | {"string": None, "validatedInt": "9", "uri": "http:/bla"}
    with raw["file"]:
        error = refused(_flow_inputs(), raw)
    assert [v.path for v in error.violations] == [
        "inputs.string",
        "inputs.uri",
        "inputs.validatedInt",
    ]


@needs_corpus
def test_secret_input_refused_without_encryption() -> None:
    scenario = next(s for s, _ in _scenarios() if s["name"] == "inputFlow")
    raw = _raw(scenario)
    with raw["file"]:
        error = refused(_flow_inputs(), raw, encrypt=None)
    (violation,) = error.violations
    assert violation.path == "inputs.secret"
    assert "encryption is not configured" in violation.message
    assert "received `secret`" not in violation.message  # never echo a secret


@needs_corpus
def test_flow_spec_models_are_accepted() -> None:
    from flows.spec.validation import parse_flow

    flow = parse_flow((CORPUS / "valids/inputs.yaml").read_text())
    scenario = next(s for s, _ in _scenarios() if s["name"] == "inputFlow")
    raw = _raw(scenario)
    with raw["file"]:
        typed = read(flow.inputs, raw)
    assert typed["validatedDuration"] == "PT15S"
    assert typed["array"] == [1, 2, 3]
    assert typed["instantDefaults"] == "2013-08-09T14:19:00Z"


@needs_corpus
def test_runtime_defaults_of_input_log_secret() -> None:
    declared = _flow_inputs("valids/input-log-secret.yaml")
    inputs = with_defaults(declared, None)
    assert inputs == {"secret": "password"}
    assert decrypt_secrets(declared, inputs, decrypt) == {"secret": "password"}
    assert secret_values(declared, inputs) == ["password"]


# -- each type ---------------------------------------------------------------------------------


def one(kind: str, value: Any, **spec: Any) -> Any:
    return read([{"id": "x", "type": kind, **spec}], {"x": value})["x"]


def one_error(kind: str, value: Any, **spec: Any) -> str:
    (violation,) = refused([{"id": "x", "type": kind, **spec}], {"x": value}).violations
    assert violation.path == "inputs.x"
    return violation.message


@pytest.mark.parametrize(
    ("kind", "value", "expected", "spec"),
    [
        ("STRING", "text", "text", {}),
        ("STRING", "A12", "A12", {"validator": r"A\d+"}),
        ("ENUM", "B", "B", {"values": ["A", "B"]}),
        ("ENUM", "Z", "Z", {"values": ["A", "B"], "required": False}),  # as Kestra
        ("SELECT", "B", "B", {"values": ["A", "B"]}),
        ("SELECT", "Z", "Z", {"values": ["A"], "allowCustomValue": True}),
        ("MULTISELECT", '["A", "B"]', ["A", "B"], {"values": ["A", "B", "C"]}),
        ("MULTISELECT", ["A"], ["A"], {"options": ["A"]}),
        ("MULTISELECT", ["Q"], ["Q"], {"values": ["A"], "allowCustomValue": True}),
        ("INT", "-42", -42, {}),
        ("INT", 7, 7, {}),
        ("INT", "+3", 3, {"min": 1, "max": 3}),
        ("FLOAT", "1e3", 1000.0, {}),
        ("FLOAT", 2, 2.0, {}),
        ("FLOAT", "0.5", 0.5, {"min": 0.5, "max": 0.5}),
        ("BOOLEAN", "TRUE", True, {}),
        ("BOOLEAN", "yes", False, {}),  # Boolean.valueOf
        ("BOOL", True, True, {}),
        ("DATETIME", "2024-01-02T03:04:05.120+02:00", "2024-01-02T01:04:05.120Z", {}),
        ("DATETIME", "2024-01-02t03:04:05z", "2024-01-02T03:04:05Z", {}),
        ("DATE", "2024-02-29", "2024-02-29", {"after": "2024-01-01", "before": "2024-12-31"}),
        ("TIME", "10:00", "10:00:00", {}),
        ("TIME", "10:00:01.5", "10:00:01.5", {}),
        ("DURATION", "P1DT1M", "PT24H1M", {}),
        ("DURATION", "PT0.5S", "PT0.5S", {"min": "PT0.1S"}),
        ("DURATION", timedelta(minutes=2), "PT2M", {}),
        ("JSON", '[1, {"a": null}]', [1, {"a": None}], {}),
        ("JSON", {"a": 1}, {"a": 1}, {}),
        ("JSON", "{}", {}, {}),
        ("YAML", "when: 2024-01-01\nn: 1", {"when": "2024-01-01", "n": 1}, {}),
        ("URI", "https://kestra.io/docs?x=1", "https://kestra.io/docs?x=1", {}),
        ("EMAIL", "me@example.com", "me@example.com", {}),
        ("EMAIL", "", "", {}),
        ("ARRAY", "[1, 2]", [1, 2], {"itemType": "INT"}),
        ("ARRAY", ["2024-01-01"], ["2024-01-01"], {"itemType": "DATE"}),
        ("ARRAY", '["PT1M"]', ["PT1M"], {"itemType": "DURATION"}),
        (
            "FILE",
            "kestra:///ns/f/executions/1/inputs/x/a.txt",
            "kestra:///ns/f/executions/1/inputs/x/a.txt",
            {},
        ),
        (
            "FILE",
            b"content",
            "kestra:///io/kestra/tests/inputs/executions/test/inputs/x/upload.upl",
            {},
        ),
    ],
)
def test_accepted_values(kind: str, value: Any, expected: Any, spec: dict) -> None:
    assert one(kind, value, **spec) == expected


@pytest.mark.parametrize(
    ("kind", "value", "spec", "message"),
    [
        (
            "STRING",
            "B1",
            {"validator": r"A\d+"},
            r"it must match the pattern `A\d+`, but received `B1`",
        ),
        ("SELECT", "Z", {"values": ["A", "B"]}, "it must match the values `[A, B]`"),
        (
            "MULTISELECT",
            ["A", "Z"],
            {"values": ["A"]},
            "it must match the values `[A]`, but received `[A, Z]`",
        ),
        (
            "MULTISELECT",
            ["A"],
            {"values": ["A"], "options": ["A"]},
            "you can't define both `values` and `options`",
        ),
        ("INT", "4.2", {}, 'For input string: "4.2", but received `4.2`'),
        ("INT", "99999999999", {}, 'For input string: "99999999999"'),
        ("INT", [1], {}, "Expected `INT` but received `[1]`"),
        ("FLOAT", "abc", {}, 'For input string: "abc"'),
        ("FLOAT", 1.5, {"max": 1}, "it must be less than `1.0`, but received `1.5`"),
        (
            "DATETIME",
            "2024-01-02",
            {},
            "Expected `DATETIME` but received `2024-01-02` with errors:",
        ),
        ("DATE", "20240102", {}, "Expected `DATE` but received `20240102`"),
        ("TIME", "25:00", {}, "Expected `TIME`"),
        (
            "TIME",
            "10:00:00",
            {"before": "09:30"},
            "it must be before `09:30`, but received `10:00:00`",
        ),
        ("DURATION", "5 minutes", {}, "Text cannot be parsed to a Duration"),
        ("DURATION", "PT2H", {"max": "PT90M"}, "It must be less than `PT1H30M`"),
        ("JSON", "{bad", {}, "Expected `JSON` but received `{bad` with errors:"),
        ("YAML", "a: [", {}, "Expected `YAML`"),
        ("URI", "localhost", {}, "Expected `URI` but received `localhost`"),
        (
            "EMAIL",
            "not-an-email",
            {},
            "The input must be a valid email, but received `not-an-email`",
        ),
        ("ARRAY", "{}", {"itemType": "INT"}, "Expected `ARRAY`"),
        ("ARRAY", [1, "x"], {"itemType": "INT"}, "Unable to parse array element as `INT` on `x`"),
        ("FILE", "http://example.com/a.txt", {}, "Unsupported file URI scheme `http`"),
        ("FILE", b"", {}, "Can't upload file: x"),
        (
            "SECRET",
            "abc",
            {"validator": "[0-9]+"},
            "it must match the pattern `[0-9]+`, but received `********`",
        ),
    ],
)
def test_refused_values(kind: str, value: Any, spec: dict, message: str) -> None:
    text = one_error(kind, value, **spec)
    assert text.startswith("Invalid input for `x`, ")
    assert message in text


def test_secret_is_encrypted_after_validation() -> None:
    stored = one("SECRET", "1234", validator="[0-9]+")
    assert stored == encrypt("1234")


def test_array_of_secrets_is_encrypted_item_by_item() -> None:
    assert one("ARRAY", '["a"]', itemType="SECRET") == [encrypt("a")]


def test_file_needs_a_storage() -> None:
    error = refused([{"id": "f", "type": "FILE"}], {"f": b"data"}, store_file=None)
    assert "no internal storage is configured" in error.violations[0].message


def test_required_defaults_and_unknown_inputs() -> None:
    declared = [
        {"id": "a", "type": "INT", "defaults": 5},
        {"id": "b", "type": "STRING", "required": False},
        {"name": "c", "type": "DURATION", "defaults": "PT1M"},
        {"id": "d", "type": "STRING"},
    ]
    assert read(declared, {"d": "x", "unknown": "ignored"}) == {
        "a": 5,
        "b": None,
        "c": "PT1M",
        "d": "x",
    }
    message = refused(declared, {}).violations[0].message
    assert message == "Invalid input for `d`, missing required input, but received `null`"


def test_templated_default_is_rendered() -> None:
    declared = [
        {"id": "a", "type": "STRING", "defaults": "hello"},
        {"id": "b", "type": "STRING", "defaults": "{{ inputs.a }}", "dependsOn": {"inputs": ["a"]}},
    ]
    assert read(declared, {}) == {"a": "hello", "b": "hello"}


def test_dotted_ids_nest_and_conflicts_are_refused() -> None:
    declared = [{"id": "n.a", "type": "INT"}, {"id": "n.b.c", "type": "BOOLEAN"}]
    assert read(declared, {"n.a": "1", "n.b.c": "true"}) == {"n": {"a": 1, "b": {"c": True}}}
    assert read(declared, {"n": {"a": 2, "b": {"c": False}}}) == {"n": {"a": 2, "b": {"c": False}}}
    clash = [{"id": "n", "type": "STRING"}, {"id": "n.a", "type": "STRING"}]
    error = refused(clash, {"n": "x", "n.a": "y"})
    assert error.violations[0].path == "inputs.n.a"
    assert "Conflict at key" in error.violations[0].message


def _chain(condition: str) -> list[dict]:
    return [
        {"id": "input1", "type": "STRING"},
        {
            "id": "input2",
            "type": "STRING",
            "dependsOn": {"inputs": ["input1"], "condition": condition},
        },
        {"id": "input3", "type": "STRING", "dependsOn": {"inputs": ["input2"]}},
    ]


def test_depends_on_enabled_and_disabled() -> None:
    raw = {"input1": "v1", "input2": "v2", "input3": "v3"}
    assert read(_chain("{{ inputs.input1 equals 'v1' }}"), raw) == raw
    assert read(_chain("{{ inputs.input1 equals '???' }}"), raw) == {"input1": "v1"}
    # A condition that fails to render disables the input, as Kestra does.
    assert read(_chain("{{ inputs.dummy equals 'v1' }}"), raw) == {"input1": "v1"}


def test_depends_on_resolves_later_inputs_first_and_detects_cycles() -> None:
    declared = [
        {"id": "b", "type": "INT", "dependsOn": {"inputs": ["a"], "condition": "{{ inputs.a }}"}},
        {"id": "a", "type": "BOOLEAN"},
    ]
    assert read(declared, {"a": "true", "b": "1"}) == {"a": True, "b": 1}
    assert read(declared, {"a": "false", "b": "1"}) == {"a": False}
    loop = [
        {"id": "a", "type": "STRING", "dependsOn": {"inputs": ["b"]}},
        {"id": "b", "type": "STRING", "dependsOn": {"inputs": ["a"]}},
    ]
    assert "circular" in str(refused(loop, {"a": "1", "b": "2"}))


def test_select_values_from_expression() -> None:
    declared = [{"id": "s", "type": "SELECT", "expression": "{{ ['x', 'y'] }}"}]
    assert read(declared, {"s": "y"}) == {"s": "y"}
    assert "it must match the values `[x, y]`" in str(refused(declared, {"s": "z"}))
    bad = [{"id": "s", "type": "MULTISELECT", "expression": "{{ inputs }}"}]
    message = refused(bad, {"s": ["x"]}).violations[0].message
    assert (
        message
        == "Invalid expression result. Expected a list of strings, but received LinkedHashMap"
    )


def test_with_defaults() -> None:
    declared = [
        {"id": "a", "type": "STRING", "defaults": "A"},
        {"id": "n.b", "type": "INT", "defaults": 2},
        {"id": "c", "type": "STRING"},
    ]
    assert with_defaults([], None) is None
    assert with_defaults([{"id": "c", "type": "STRING"}], {}) is None
    assert with_defaults(declared, {"a": "given"}) == {"a": "given", "n": {"b": 2}}
    assert with_defaults(declared, {"n": {"b": None}}) == {"a": "A", "n": {"b": None}}


def test_decrypt_secrets_nested_and_untouched_defaults() -> None:
    declared = [
        {"id": "s.k", "type": "SECRET"},
        {"id": "d", "type": "SECRET", "defaults": "plain"},
        {"id": "t", "type": "STRING"},
    ]
    stored = read(declared, {"s.k": "top", "t": "x"})
    assert stored["s"]["k"] == encrypt("top")
    clear = decrypt_secrets(
        declared, with_defaults(declared, {"s": stored["s"], "t": "x"}), decrypt
    )
    assert clear == {"s": {"k": "top"}, "d": "plain", "t": "x"}
    assert stored["s"]["k"] == encrypt("top")  # the input is not modified
    assert secret_values(declared, clear) == ["top", "plain"]


def test_depends_on_with_the_real_renderer() -> None:
    templating = pytest.importorskip("executions.templating")
    if not hasattr(templating, "Renderer"):
        pytest.skip("executions.templating.Renderer is not there yet")
    raw = {"input1": "v1", "input2": "v2", "input3": "v3"}
    chain = _chain("{{ inputs.input1 equals 'v1' }}")
    assert read_inputs(chain, raw) == raw
    assert read_inputs(_chain("{{ inputs.input1 equals 'x' }}"), raw) == {"input1": "v1"}
    select = [{"id": "s", "type": "SELECT", "expression": "{{ ['x', 'y'] }}"}]
    assert read_inputs(select, {"s": "y"}) == {"s": "y"}


def test_nothing_is_stored_when_an_input_is_refused() -> None:
    stored: list[str] = []

    def store(input_id: str, content: Any) -> str:
        stored.append(input_id)
        return f"kestra:///ns/flow/executions/1/inputs/{input_id}/upload.upl"

    declared = [{"id": "f", "type": "FILE"}, {"id": "n", "type": "INT"}]
    refused(declared, {"f": b"data", "n": "x"}, store_file=store)
    assert stored == []
    assert read(declared, {"f": b"data", "n": "1"}, store_file=store)["f"].endswith("/f/upload.upl")
    assert stored == ["f"]
