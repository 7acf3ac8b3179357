"""The KV store (typed values, expiration) and the kv.Set/Get/GetKeys/Delete tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.workers.plugins.support import context, make_storage
from workers.plugins import run_task
from workers.plugins.kvstore import KVError, KVStore, parse_text

KV = "io.kestra.plugin.core.kv."


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def run(store, task):
    return run_task(context(task, store))


@pytest.mark.parametrize(
    ("value", "kv_type", "expected"),
    [
        ("hello", None, ("STRING", "hello")),
        (42, None, ("NUMBER", 42)),
        ("42.5", "NUMBER", ("NUMBER", 42.5)),
        ("TRUE", "BOOLEAN", ("BOOLEAN", True)),
        ({"a": [1]}, None, ("JSON", {"a": [1]})),
        ('{"a": 1}', "JSON", ("JSON", {"a": 1})),
        ("PT5M", None, ("DURATION", "PT5M")),
        ("PT90S", "DURATION", ("DURATION", "PT1M30S")),
        ("2024-01-02T03:04:05Z", "DATETIME", ("DATETIME", "2024-01-02T03:04:05.000Z")),
        ("2024-01-02", "DATE", ("DATE", "2024-01-02")),
    ],
)
def test_typed_values(store, value, kv_type, expected) -> None:
    kv = KVStore(store, "company.team")
    kv.put("k", value, kv_type=kv_type)
    assert kv.get("k") == expected


def test_expiration_overwrite_and_keys(store) -> None:
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    kv = KVStore(store, "company.team", clock=lambda: now[0])
    kv.put("short", "x", ttl="PT1M")
    kv.put("long", "y")
    with pytest.raises(KVError, match="overwrite"):
        kv.put("long", "z", overwrite=False)
    assert kv.keys() == ["long", "short"]
    assert kv.entries()[1].expiration_date == "2024-01-01T00:01:00.000Z"
    now[0] += timedelta(minutes=2)
    assert kv.get("short") is None and kv.keys() == ["long"]
    with pytest.raises(KVError):
        kv.put("../escape", "x")
    with pytest.raises(KVError):
        kv.put("k", "x", ttl=timedelta(seconds=-1))


def test_parse_text_like_the_api() -> None:
    assert parse_text('"quoted"') == "quoted"
    assert parse_text("12") == 12
    assert parse_text('{"a": 1}') == {"a": 1}
    assert parse_text("plain words") == "plain words"
    assert parse_text("2024-01-02").isoformat() == "2024-01-02"
    assert parse_text("2024-01-02T00:00:00Z").year == 2024


def test_tasks_set_get_getkeys_delete(store) -> None:
    assert run(store, {"type": KV + "Set", "key": "n", "value": "{{ 40 + 2 }}"}).state == "SUCCESS"
    assert run(store, {"type": KV + "Get", "key": "n"}).outputs == {"value": 42}
    other = {"type": KV + "Set", "key": "b", "value": "true", "kvType": "BOOLEAN", "namespace": "o"}
    assert run(store, other).state == "SUCCESS"
    assert run(store, {"type": KV + "Get", "key": "b", "namespace": "o"}).outputs == {"value": True}
    run(store, {"type": KV + "Set", "key": "n2", "value": {"m": "{{ flow.id }}"}})
    assert run(store, {"type": KV + "Get", "key": "n2"}).outputs == {"value": {"m": "flow"}}
    assert run(store, {"type": KV + "GetKeys", "prefix": "n"}).outputs == {"keys": ["n", "n2"]}
    refused = run(store, {"type": KV + "Set", "key": "n", "value": "x", "overwrite": False})
    assert refused.state == "FAILED" and "overwrite" in refused.error
    assert run(store, {"type": KV + "Delete", "key": "n"}).outputs == {"deleted": True}
    assert run(store, {"type": KV + "Delete", "key": "n"}).outputs == {"deleted": False}
    assert run(store, {"type": KV + "Get", "key": "n"}).outputs == {"value": None}
    missing = run(store, {"type": KV + "Get", "key": "n", "errorOnMissing": True})
    assert missing.state == "FAILED"
    assert missing.error == (
        "No value found for key 'n' in namespace 'company.team' and `errorOnMissing` is set to true"
    )
