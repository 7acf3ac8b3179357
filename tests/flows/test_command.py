"""`manage.py flow validate` and `manage.py flow namespace update`."""

import pytest
from django.core.management import CommandError, call_command

from flows import selectors
from tests.flows.factories import flow_source

pytestmark = pytest.mark.django_db


def test_validate_lists_each_error_with_file_and_path(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(flow_source())
    (tmp_path / "bad.yml").write_text("id: bad\nnamespace: n\ntasks:\n  - id: a.b\n    type: x\n")
    with pytest.raises(CommandError):
        call_command("flow", "validate", str(tmp_path))
    err = capsys.readouterr().err
    assert "bad.yml" in err and "tasks[0]" in err
    call_command("flow", "validate", str(tmp_path / "good.yaml"))
    with pytest.raises(CommandError):
        call_command("flow", "validate", str(tmp_path / "missing.yaml"))


def test_namespace_update_from_a_folder(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(flow_source("a", "company.team"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text(flow_source("b", "company.team"))
    call_command("flow", "namespace", "update", "company.team", str(tmp_path))
    assert {f.flow_id for f in selectors.flows_active()} == {"a", "b"}
    (tmp_path / "sub" / "b.yaml").unlink()
    call_command("flow", "namespace", "update", "company.team", str(tmp_path), "--delete")
    assert {f.flow_id for f in selectors.flows_active()} == {"a"}
    (tmp_path / "c.yaml").write_text(flow_source("c", "elsewhere"))
    with pytest.raises(CommandError):
        call_command("flow", "namespace", "update", "company.team", str(tmp_path))
    assert {f.flow_id for f in selectors.flows_active()} == {"a"}
