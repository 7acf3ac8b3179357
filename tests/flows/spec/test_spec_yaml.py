"""Safe YAML loading: size cap, bombs, tags, duplicate keys, lines, documents."""

from __future__ import annotations

import time

import pytest

from flows.spec import MAX_SOURCE_BYTES, split_documents, validate_flow
from flows.spec.yaml_source import load_yaml
from tests.flows.spec.conftest import LOG, flow_yaml

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
id: bomb
namespace: io.test
tasks: *i
"""


def only(report):
    assert len(report.violations) == 1, report.violations
    return report.violations[0]


def test_billion_laughs_is_refused_without_expanding_it():
    # Expanded, this document has 10**9 nodes: a parser that expanded it would run for hours
    # and exhaust memory. ~0.13 s here; the bound is loose for slow, shared machines.
    started = time.perf_counter()
    report = validate_flow(BILLION_LAUGHS)
    elapsed = time.perf_counter() - started
    assert "too many nodes" in only(report).message
    assert elapsed < 10


def test_reasonable_aliases_are_expanded():
    source = flow_yaml(
        "  - *log\n  - <<: *log\n    id: other\n",
        extra="x-anchors:\n  - &log {id: log, type: io.kestra.plugin.core.log.Log, message: hi}\n",
    )
    report = validate_flow(source)
    assert [v.message for v in report.violations] == [
        'Unrecognized field "x-anchors" (class io.kestra.core.models.flows.Flow), not marked as '
        "ignorable"
    ]
    tasks = load_yaml(source).data["tasks"]
    assert tasks[0] == {"id": "log", "type": "io.kestra.plugin.core.log.Log", "message": "hi"}
    assert tasks[1]["id"] == "other" and tasks[1]["message"] == "hi"


def test_recursive_alias_is_refused():
    violation = only(validate_flow("id: f\nnamespace: n\ntasks: &t\n  - *t\n"))
    assert "Recursive YAML alias" in violation.message
    assert violation.path == "tasks[0]"


def test_source_over_one_mebibyte_is_refused_before_parsing():
    source = "id: f\nnamespace: n\n# " + "x" * MAX_SOURCE_BYTES + "\n"
    violation = only(validate_flow(source))
    assert "too large" in violation.message
    assert only(validate_flow(source.encode())).message == violation.message


@pytest.mark.parametrize(
    "tagged",
    ["!!python/object:os.system ls", "!custom value", "!!python/name:os.system", "!!set {a, b}"],
)
def test_custom_tags_are_refused(tagged):
    violation = only(validate_flow(flow_yaml(LOG, extra=f"description: {tagged}\n")))
    assert "Unsupported YAML tag" in violation.message
    assert violation.path == "description"
    assert violation.line == 3


def test_standard_tags_are_accepted():
    report = validate_flow(flow_yaml(LOG, extra="description: !!str 42\nrevision: !!int '3'\n"))
    assert report.ok
    assert report.flow.description == "42" and report.flow.revision == 3


def test_duplicate_keys_are_refused_with_their_path_and_line():
    source = flow_yaml(
        "  - id: s\n    type: io.kestra.plugin.core.state.Set\n    data:\n"
        "      variables.tf: a\n      variables.tf: b\n"
    )
    violation = only(validate_flow(source))
    assert violation.message == "Duplicate field 'variables.tf'"
    assert violation.path == "tasks[0].data.variables.tf"
    assert violation.line == 8


def test_malformed_yaml_is_one_violation_with_its_line():
    violation = only(validate_flow("id: f\nnamespace: n\ntasks:\n  - id: [unclosed\n"))
    assert violation.message.startswith("Invalid YAML")
    assert violation.line == 5 or violation.line == 4


def test_yaml_1_2_scalars_dates_and_yes_stay_text():
    data = load_yaml("a: yes\nb: on\nc: 2024-01-01\nd: 0x1F\ne: .inf\nf: ~\ng: TRUE\n").data
    assert data == {
        "a": "yes",
        "b": "on",
        "c": "2024-01-01",
        "d": 31,
        "e": float("inf"),
        "f": None,
        "g": True,
    }


def test_lines_are_recorded_for_every_path():
    loaded = load_yaml(
        "id: f\nnamespace: n\ntasks:\n  - id: a\n    type: x\n    then:\n"
        "      - id: b\n        format: c\n"
    )
    assert loaded.lines["tasks"] == 3
    assert loaded.lines["tasks[0]"] == 4
    assert loaded.lines["tasks[0].then[0].format"] == 8
    assert loaded.line_of("tasks[0].then[0].missing") == 7


def test_too_deep_nesting_is_refused():
    violation = only(validate_flow("a: " + "[" * 300 + "]" * 300 + "\n"))
    assert "nest" in violation.message


def test_bytes_must_be_utf8():
    assert "UTF-8" in only(validate_flow(b"id: \xff\n")).message


def test_empty_and_non_mapping_sources():
    assert only(validate_flow("")).message == "The flow source is empty"
    assert only(validate_flow("# only a comment\n")).message == "The flow source is empty"
    assert "must be a YAML mapping" in only(validate_flow("- a\n- b\n")).message


def test_several_documents_are_refused_by_validate_flow():
    assert (
        "single document" in only(validate_flow(f"{flow_yaml(LOG)}---\n{flow_yaml(LOG)}")).message
    )


def test_split_documents_keeps_each_text_verbatim():
    first = "# the first flow\nid: a\nnamespace: n\ntasks: []\n"
    second = "id: b  # inline comment\nnamespace: n\n"
    source = f"---\n{first}---\n# empty\n---\n\n{second}...\n"
    assert split_documents(source) == [first, f"\n{second}"]


def test_split_documents_handles_markers_with_content_and_no_markers():
    assert split_documents("a: 1\n") == ["a: 1\n"]
    assert split_documents("--- {a: 1}\n--- # c\nb: 2\n") == ["{a: 1}\n", "b: 2\n"]
    assert split_documents("") == []
    assert split_documents(b"a: 1\n---\nb: 2\n") == ["a: 1\n", "b: 2\n"]


def test_split_documents_does_not_split_inside_a_block_scalar():
    source = "script: |\n  echo ---\n  ---not a marker\nid: x\n"
    assert split_documents(source) == [source]


def test_split_documents_of_malformed_documents_still_splits():
    assert split_documents("a: [\n---\nb: 1\n") == ["a: [\n", "b: 1\n"]
