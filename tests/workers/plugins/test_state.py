"""The state store tasks (state.Get/Set/Delete on the KV store) and Kestra's murmur3 hashing."""

from __future__ import annotations

import pytest

from tests.workers.plugins.support import NAMESPACE, context, make_storage, variables
from workers.plugins import run_task
from workers.plugins.hashing import hash_to_string, murmur3_128
from workers.plugins.kvstore import KVStore
from workers.plugins.state import merge, state_key

STATE = "io.kestra.plugin.core.state."


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def run(store, task, value=None):
    extra = {"taskrun": {"id": "r", "value": value}} if value is not None else {}
    return run_task(context(task, store, variables=variables(task.get("id", "t"), **extra)))


def test_murmur3_matches_the_reference_implementation() -> None:
    # SMHasher's verification of MurmurHash3_x64_128: hash keys 0..255 bytes long with seeds
    # 256-i, hash the concatenated digests, take the first 32 bits.
    key = bytes(range(256))
    digests = b"".join(murmur3_128(key[:i], 256 - i) for i in range(256))
    assert int.from_bytes(murmur3_128(digests)[:4], "little") == 0x6384BA69
    assert hash_to_string("hello") == "029bbd41b3a7d8cb191dae486a901e5b"  # Guava's value


def test_keys_follow_kestra() -> None:
    assert state_key("My_Flow", "s", None) == "my-flow_states_tasks-states_s"
    assert state_key(None, "s", "a") == f"states_tasks-states_s_{hash_to_string('a')}"


def test_set_merges_then_get_and_delete(store) -> None:
    missing = run(store, {"type": STATE + "Get", "name": "s"})
    assert missing.outputs == {"count": 0, "data": {}}
    first = run(store, {"type": STATE + "Set", "name": "s", "data": {"a": 1, "l": [1]}})
    assert first.outputs == {"count": 2, "key": "flow_states_tasks-states_s"}
    run(store, {"type": STATE + "Set", "name": "s", "data": {"b": "{{ flow.id }}", "l": [2]}})
    got = run(store, {"type": STATE + "Get", "name": "s"})
    assert got.outputs == {"count": 3, "data": {"a": 1, "l": [1, 2], "b": "flow"}}
    stored = KVStore(store, NAMESPACE).get("flow_states_tasks-states_s")
    assert stored is not None and stored[0] == "STRING"
    assert run(store, {"type": STATE + "Delete", "name": "s"}).outputs == {"deleted": True}
    again = run(store, {"type": STATE + "Delete", "name": "s", "errorOnMissing": True})
    assert again.state == "FAILED" and "Unable to find the state file 's'" in again.error


def test_scopes_by_taskrun_value_and_namespace(store) -> None:
    run(store, {"type": STATE + "Set", "name": "s", "data": {"v": "a"}}, value="a")
    assert run(store, {"type": STATE + "Get", "name": "s"}, value="b").outputs["count"] == 0
    shared = {"type": STATE + "Get", "name": "s", "taskrunValue": False}
    assert run(store, shared, value="a").outputs["count"] == 0
    assert run(store, {"type": STATE + "Get", "name": "s"}, value="a").outputs["data"] == {"v": "a"}
    run(store, {"type": STATE + "Set", "name": "n", "namespace": True, "data": {"x": 1}})
    other_flow = context(
        {"type": STATE + "Get", "name": "n", "namespace": "true"},
        store,
        variables={**variables(), "flow": {"id": "other", "namespace": NAMESPACE}},
    )
    assert run_task(other_flow).outputs["data"] == {"x": 1}


def test_get_error_on_missing(store) -> None:
    result = run(store, {"type": STATE + "Get", "name": "nope", "errorOnMissing": True})
    assert result.state == "FAILED" and "flow_states_tasks-states_nope not found" in result.error


def test_merge_like_kestra() -> None:
    assert merge({"a": {"x": 1}, "n": 1}, {"a": {"y": 2}, "n": None, "m": None}) == {
        "a": {"x": 1, "y": 2},
        "n": 1,
        "m": None,
    }
