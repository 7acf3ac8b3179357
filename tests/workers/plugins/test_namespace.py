"""Namespace file tasks (UploadFiles, DownloadFiles, DeleteFiles) and the glob selection."""

from __future__ import annotations

import pytest

from tests.workers.plugins.support import context, make_storage
from workers.plugins import namespace, run_task

NS = "io.kestra.plugin.core.namespace."


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def test_select_include_exclude() -> None:
    paths = ["a.py", "dir/b.py", "dir/c.txt", "x/y/z.sql"]
    assert namespace.select(paths, ["*.py"], None) == ["a.py"]
    assert namespace.select(paths, ["b.py", "y/*"], None) == ["dir/b.py", "x/y/z.sql"]
    assert namespace.select(paths, ["/dir/*"], None) == ["dir/b.py", "dir/c.txt"]
    assert namespace.select(paths, None, ["**.py"]) == ["dir/c.txt", "x/y/z.sql"]


def test_upload_download_delete(store, tmp_path) -> None:
    src = store.put("company/team/flow/executions/exec1/tasks/w/r/in.txt", b"content")
    workdir = tmp_path / "wd"
    (workdir / "sub").mkdir(parents=True)
    (workdir / "sub" / "local.sql").write_text("select 1")
    variables = {
        "flow": {"id": "flow", "namespace": "company.team"},
        "execution": {"id": "exec1"},
        "task": {"id": "up"},
        "taskrun": {"id": "r1"},
        "workingDir": str(workdir),
    }
    up = {
        "type": NS + "UploadFiles",
        "namespace": "company.team",
        "files": ["**.sql"],
        "filesMap": {"conf/in.txt": src},
        "destination": "/target",
    }
    result = run_task(context(up, store, variables=variables))
    assert result.state == "SUCCESS", result
    assert sorted(namespace.list_files(store, "company.team")) == [
        "target/conf/in.txt",
        "target/sub/local.sql",
    ]
    conflict = dict(up, conflict="ERROR", files=None)
    assert run_task(context(conflict, store, variables=variables)).state == "FAILED"

    down = {"type": NS + "DownloadFiles", "namespace": "company.team", "files": ["**.txt"]}
    files = run_task(context(down, store)).outputs["files"]
    assert list(files) == ["/target/conf/in.txt"]
    with store.open(files["/target/conf/in.txt"][len("kestra://") :]) as handle:
        assert handle.read() == b"content"

    gone = {"type": NS + "DeleteFiles", "namespace": "company.team", "files": "/target/sub/*"}
    assert run_task(context(gone, store)).state == "SUCCESS"
    assert namespace.list_files(store, "company.team") == ["target/conf/in.txt"]


def test_upload_refuses_traversal(store) -> None:
    src = store.put("company/team/flow/executions/exec1/tasks/w/r/in.txt", b"x")
    up = {"type": NS + "UploadFiles", "namespace": "company.team", "filesMap": {"../../x": src}}
    assert run_task(context(up, store)).state == "FAILED"
