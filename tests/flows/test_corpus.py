"""Kestra's test flows through the API and the command: valids pass, invalids fail on the field."""

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import CORPUS, corpus_available, load_checks

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not corpus_available(), reason="the conformance corpus is not beside the repo"
    ),
]
YAML = "application/x-yaml"
# We support worker groups (declared ones): `toto` is refused because it is not declared, on the
# same field, with our own message instead of Kestra OSS's "Enterprise Edition functionality".
DIVERGENT_MESSAGES = {"invalids/worker-group.yaml"}


def valid_files():
    return sorted((CORPUS / "valids").glob("*.y*ml")) if corpus_available() else []


def invalid_checks():
    if not corpus_available():
        return []
    return [c for c in load_checks() if c["file"].startswith("invalids/")]


def test_every_valid_flow_passes_through_the_api(api):
    files = valid_files()
    assert len(files) == 150
    body = "\n---\n".join(f.read_text() for f in files)
    results = api.post("/api/v1/main/flows/validate", data=body, content_type=YAML).json()
    failures = {files[r["index"]].name: r["constraints"] for r in results if r["constraints"]}
    assert failures == {}
    assert len(results) == 150


def test_every_valid_flow_passes_the_command(capsys):
    call_command("flow", "validate", str(CORPUS / "valids"))
    assert "150 file(s) valid" in capsys.readouterr().out


@pytest.mark.parametrize("check", invalid_checks(), ids=lambda c: c["file"])
def test_invalid_flow_is_rejected_on_its_field(api, check):
    source = (CORPUS / check["file"]).read_text()
    results = api.post("/api/v1/main/flows/validate", data=source, content_type=YAML).json()
    assert len(results) == 1
    constraints = results[0]["constraints"]
    assert constraints, f"{check['file']} was accepted"
    for expected in (c for c in check["checks"] if c["kind"] == "rejected"):
        if "field" in expected:
            assert any(v["path"] == expected["field"] for v in results[0]["violations"])
        if "message_contains" in expected and check["file"] not in DIVERGENT_MESSAGES:
            assert expected["message_contains"] in constraints
    # and the create endpoint refuses it with 422, writing nothing
    assert api.post("/api/v1/main/flows", data=source, content_type=YAML).status_code == 422


@pytest.mark.parametrize("check", invalid_checks(), ids=lambda c: c["file"])
def test_invalid_flow_fails_the_command(check, capsys):
    with pytest.raises(CommandError):
        call_command("flow", "validate", str(CORPUS / check["file"]))
    assert check["file"].split("/")[-1] in capsys.readouterr().err
