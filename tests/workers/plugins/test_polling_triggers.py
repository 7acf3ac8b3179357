"""Polling trigger evaluations (http.Trigger against a server on 127.0.0.1, kv.Trigger)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.workers.plugins.support import Lines, context, make_storage
from workers.plugins.kvstore import KVStore
from workers.plugins.polling import evaluate, polling_types

HTTP_TRIGGER = "io.kestra.plugin.core.http.Trigger"
KV_TRIGGER = "io.kestra.plugin.core.kv.Trigger"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        code = 503 if self.path == "/down" else 200
        body = json.dumps({"price": 99, "path": self.path}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def test_both_kinds_are_registered_with_the_legacy_http_alias() -> None:
    assert {HTTP_TRIGGER, KV_TRIGGER, "io.kestra.plugin.fs.http.Trigger"} <= set(polling_types())


def test_http_default_condition_fires_with_the_request_outputs(server, store) -> None:
    found = evaluate(context({"type": HTTP_TRIGGER, "uri": f"{server}/price"}, store))
    assert found.fire and found.error is None
    variables = found.variables
    assert variables["code"] == 200
    assert variables["uri"] == f"{server}/price"
    assert json.loads(variables["body"]) == {"price": 99, "path": "/price"}
    assert variables["headers"]["Content-Type"] == ["application/json"]


def test_http_default_condition_is_false_on_an_error_status(server, store) -> None:
    found = evaluate(context({"type": HTTP_TRIGGER, "uri": f"{server}/down"}, store))
    assert not found.fire and found.error is None and found.variables is None


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        ("{{ json(response.body).price <= 110 }}", True),
        ("{{ json(response.body).price <= 50 }}", False),
        ("{{ response.statusCode == 503 }}", True),
        ("{{ response.headers['Content-Type'][0] == 'text/html' }}", False),
    ],
)
def test_http_response_condition(server, store, condition, fires) -> None:
    uri = f"{server}/down" if "503" in condition else f"{server}/price"
    task = {"type": HTTP_TRIGGER, "uri": uri, "responseCondition": condition}
    found = evaluate(context(task, store))
    assert found.error is None
    assert found.fire is fires


def test_http_renders_its_properties_with_the_flow_variables(server, store) -> None:
    task = {"type": HTTP_TRIGGER, "uri": server + "/{{ flow.id }}"}
    found = evaluate(context(task, store))
    assert json.loads(found.variables["body"])["path"] == "/flow"


def test_http_unreachable_is_an_error_that_fires_nothing(store) -> None:
    log = Lines()
    task = {"type": HTTP_TRIGGER, "uri": "http://127.0.0.1:9/nothing", "options": {}}
    found = evaluate(context(task, store, log), state={"kept": 1})
    assert not found.fire
    assert "Request to 'http://127.0.0.1:9/nothing' failed" in found.error
    assert found.state == {"kept": 1}
    assert found.error in log.messages("ERROR")


def test_a_bad_condition_is_an_error(server, store) -> None:
    task = {"type": HTTP_TRIGGER, "uri": server, "responseCondition": "{{ nope.x }}"}
    found = evaluate(context(task, store))
    assert not found.fire and "nope" in found.error


def test_unknown_type_is_an_error(store) -> None:
    nope = "io.kestra.plugin.core.nope.Trigger"
    found = evaluate(context({"type": nope}, store))
    assert not found.fire
    assert found.error == f"No polling trigger implementation for type `{nope}`"


def _kv(store, state, **task):
    found = evaluate(context({"type": KV_TRIGGER, "key": "flag", **task}, store), state)
    assert found.error is None, found.error
    return found


def test_kv_create_update_and_unchanged(store) -> None:
    kv = KVStore(store, "company.team")
    first = _kv(store, None)
    assert not first.fire and first.state == {"fingerprint": None}  # no key yet
    kv.put("flag", {"go": 1})
    created = _kv(store, first.state)
    assert created.fire
    assert created.variables == {
        "namespace": "company.team",
        "key": "flag",
        "value": {"go": 1},
        "event": "CREATE",
    }
    same = _kv(store, created.state)
    assert not same.fire and same.state == created.state
    kv.put("flag", {"go": 2})
    updated = _kv(store, created.state)
    assert updated.fire and updated.variables["event"] == "UPDATE"
    assert updated.variables["value"] == {"go": 2}
    kv.delete("flag")
    gone = _kv(store, updated.state)
    assert not gone.fire and gone.state == {"fingerprint": None}
    kv.put("flag", {"go": 2})
    assert _kv(store, gone.state).variables["event"] == "CREATE"  # back again: a new key


def test_kv_on_filters_events_but_keeps_track(store) -> None:
    kv = KVStore(store, "other.ns")
    kv.put("flag", "a")
    created = _kv(store, None, namespace="other.ns", on="UPDATE")
    assert not created.fire and created.state["fingerprint"]
    kv.put("flag", "b")
    updated = _kv(store, created.state, namespace="other.ns", on="UPDATE")
    assert updated.fire and updated.variables["value"] == "b"
    kv.put("flag", "c")
    only_create = _kv(store, updated.state, namespace="other.ns", on="CREATE")
    assert not only_create.fire and only_create.state != updated.state


def test_kv_bad_key_names_the_property(store) -> None:
    found = evaluate(context({"type": KV_TRIGGER, "key": "../x"}, store))
    assert not found.fire and found.error.startswith("Invalid property `key`")
