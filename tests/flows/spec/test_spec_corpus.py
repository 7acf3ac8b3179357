"""Kestra's own flows: every valid flow is accepted, every invalid one rejected as Kestra does."""

from __future__ import annotations

import json

import pytest
import yaml

from flows.spec import ValidationContext, flow_json_schema, validate_flow
from tests.flows.spec.conftest import CORPUS, corpus_checks, corpus_files, needs_corpus

pytestmark = needs_corpus
WORKER_GROUPS = ValidationContext(worker_groups=frozenset({"default"}))
# We support declared worker groups: `toto` is refused because it is not declared (same field),
# not with Kestra OSS's "Worker Group is an Enterprise Edition functionality".
DIVERGENT = {"invalids/worker-group.yaml"}


@pytest.mark.parametrize("path", corpus_files("valids"), ids=lambda p: p.name)
def test_valid_flow_is_accepted_strictly(path):
    report = validate_flow(path.read_text(), WORKER_GROUPS)
    assert report.violations == []
    assert report.ok and report.flow is not None
    assert report.flow.id and report.flow.namespace


@pytest.mark.parametrize("path", corpus_files("valids"), ids=lambda p: p.name)
def test_valid_flow_dump_validates_again_to_the_same_dump(path):
    flow = validate_flow(path.read_text()).flow
    dumped = flow.model_dump(by_alias=True, exclude_none=True, mode="json")
    again = validate_flow(yaml.safe_dump(dumped, sort_keys=False))
    assert again.violations == []
    assert again.flow.model_dump(by_alias=True, exclude_none=True, mode="json") == dumped


def test_the_corpus_has_its_150_valid_and_22_invalid_flows():
    assert len(corpus_files("valids")) == 150
    assert len(corpus_files("invalids")) == 22


@pytest.mark.parametrize("path", corpus_files("invalids"), ids=lambda p: p.name)
def test_invalid_flow_is_rejected(path):
    report = validate_flow(path.read_text(), WORKER_GROUPS)
    assert report.violations, f"{path.name} was accepted"
    assert report.flow is None and not report.ok


def _rejections():
    for entry in corpus_checks():
        if entry["file"].startswith("invalids/"):
            for check in entry["checks"]:
                if check["kind"] == "rejected":
                    yield pytest.param(entry["file"], check, id=entry["file"])


@pytest.mark.parametrize(("file", "check"), list(_rejections()))
def test_invalid_flow_is_rejected_with_kestras_message(file, check):
    report = validate_flow((CORPUS / file).read_text(), WORKER_GROUPS)
    assert report.violations
    if "field" in check:
        assert check["field"] in [v.path for v in report.violations]
    if "message_contains" in check and file not in DIVERGENT:
        texts = [str(v) for v in report.violations]
        assert any(check["message_contains"] in text for text in texts), texts


def test_worker_group_is_refused_because_it_is_not_declared():
    report = validate_flow((CORPUS / "invalids/worker-group.yaml").read_text(), WORKER_GROUPS)
    [violation] = report.violations
    assert violation.path == "tasks[0].workerGroup"
    assert violation.message == "Worker group 'toto' is not declared; declared groups: default"
    assert violation.line == 8


def test_worker_group_is_accepted_when_groups_are_not_checked():
    assert validate_flow((CORPUS / "invalids/worker-group.yaml").read_text()).ok


def test_bad_validator_regex_is_rejected_on_its_field():
    report = validate_flow((CORPUS / "invalids/inputs-bad-validator-syntax.yaml").read_text())
    [violation] = report.violations
    assert violation.path == "inputs[0].validator"
    assert violation.message.startswith("invalid pattern [\\]")


def test_invalid_property_is_accepted_when_not_strict():
    source = (CORPUS / "invalids/invalid-property.yaml").read_text()
    report = validate_flow(source, ValidationContext(strict=False))
    assert report.ok and report.flow.id == "duplicate"


def test_valid_flows_match_the_json_schema():
    """A sample (the schema's `oneOf` of ~80 task types makes jsonschema slow on all 150)."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(flow_json_schema())
    for path in corpus_files("valids")[::10]:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, (path.name, jsonschema.exceptions.best_match(errors).message)


def test_legacy_aliases_of_the_corpus_give_warnings_only():
    report = validate_flow((CORPUS / "valids/waitfor-multiple-tasks.yaml").read_text())
    assert report.ok
    assert any("io.kestra.core.tasks" in w.message for w in report.warnings)
