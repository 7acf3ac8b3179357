"""Internal storage tasks over a storage in a temporary directory."""

from __future__ import annotations

import pytest

from tests.workers.plugins.support import Lines, context, make_storage
from workers.plugins import run_task

S = "io.kestra.plugin.core.storage."


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def run(store, task, **kw):
    logs = Lines()
    result = run_task(context(task, store, logs, **kw))
    assert result.state == "SUCCESS", logs
    return result.outputs


def read(store, uri: str) -> bytes:
    with store.open(uri[len("kestra://") :]) as handle:
        return handle.read()


def test_write_size_delete(store) -> None:
    uri = run(store, {"type": S + "Write", "content": "a {{ flow.id }}", "extension": ".txt"})[
        "uri"
    ]
    assert uri.startswith("kestra:///company/team/flow/executions/exec1/tasks/t/run-t/")
    assert uri.endswith(".txt") and read(store, uri) == b"a flow"
    assert run(store, {"type": S + "Size", "uri": uri}) == {"size": 6}
    assert run(store, {"type": S + "Delete", "uri": uri}) == {"uri": uri, "deleted": True}
    assert run(store, {"type": S + "Delete", "uri": uri}) == {"uri": uri, "deleted": False}
    failed = run_task(context({"type": S + "Delete", "uri": uri, "errorOnMissing": True}, store))
    assert failed.state == "FAILED" and failed.error == f"Unable to find file '{uri}'"


def test_default_extension_is_ion(store) -> None:
    assert run(store, {"type": S + "Write", "content": "x"})["uri"].endswith(".ion")


def test_concat_with_separator_list_or_json(store) -> None:
    a = run(store, {"type": S + "Write", "content": "a"})["uri"]
    b = run(store, {"type": S + "Write", "content": "b"})["uri"]
    joined = run(store, {"type": S + "Concat", "files": [a, b], "separator": "\n"})["uri"]
    assert read(store, joined) == b"a\nb\n" and joined.endswith(".tmp")
    as_json = run(store, {"type": S + "Concat", "files": f'["{a}", "{b}"]', "extension": ".csv"})
    assert read(store, as_json["uri"]) == b"ab"


def test_split_by_rows_partitions_and_bytes(store) -> None:
    src = store.put("company/team/flow/executions/exec1/tasks/x/y/data.csv", b"1\n2\n3\n4\n5\n")
    rows = run(store, {"type": S + "Split", "from": src, "rows": 2})["uris"]
    assert [read(store, u) for u in rows] == [b"1\n2\n", b"3\n4\n", b"5\n"]
    assert all(u.endswith(".csv") for u in rows)
    parts = run(store, {"type": S + "Split", "from": src, "partitions": 2})["uris"]
    assert [read(store, u) for u in parts] == [b"1\n3\n5\n", b"2\n4\n"]
    sized = run(store, {"type": S + "Split", "from": src, "bytes": "4", "separator": ";"})["uris"]
    assert [read(store, u) for u in sized] == [b"1;2;", b"3;4;", b"5;"]
    none = run_task(context({"type": S + "Split", "from": src}, store))
    assert none.error == "Invalid configuration with no size, count, nor rows"


def test_reverse(store) -> None:
    src = run(store, {"type": S + "Write", "content": "a\nb\nc", "extension": ".txt"})["uri"]
    out = run(store, {"type": S + "Reverse", "from": src})["uri"]
    assert read(store, out) == b"c\nb\na\n" and out.endswith(".txt")


def test_purge_current_execution_files(store) -> None:
    mine = run(store, {"type": S + "Write", "content": "x"})["uri"]
    other = store.put("company/team/flow/executions/other/tasks/t/r/f.txt", b"keep")
    purged = run(store, {"type": S + "PurgeCurrentExecutionFiles"})["uris"]
    assert purged == [mine]
    assert not store.exists(mine[len("kestra://") :])
    assert store.exists(other[len("kestra://") :])


def test_local_files_exports_inputs(store) -> None:
    outputs = run(
        store,
        {
            "type": S + "LocalFiles",
            "inputs": {"a.txt": "hello {{ flow.id }}", "b.bin": "ignored"},
            "outputs": ["*.txt"],
        },
    )
    assert list(outputs["uris"]) == ["a.txt"]
    assert read(store, outputs["uris"]["a.txt"]) == b"hello flow"


def test_uris_outside_storage_are_refused(store) -> None:
    for uri in ("kestra:///../../etc/passwd", "file:///etc/passwd"):
        assert run_task(context({"type": S + "Size", "uri": uri}, store)).state == "FAILED"
