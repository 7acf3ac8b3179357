"""http.Request and http.Download against a small HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.workers.plugins.support import Lines, context, make_storage
from workers.plugins import run_task

HTTP = "io.kestra.plugin.core.http."


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _send(self, code: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/missing":
            self._send(404, b"nope")
        elif self.path == "/redirect":
            self._send(302, b"", {"Location": "/hello"})
        elif self.path == "/file":
            disposition = 'attachment; filename="report.csv"'
            self._send(200, b"a,b\n1,2\n", {"Content-Disposition": disposition})
        elif self.path == "/empty":
            self._send(200, b"")
        else:
            self._send(200, b"hello", {"X-Multi": "one", "Content-Type": "text/plain"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        echo = {
            "body": body,
            "contentType": self.headers.get("Content-Type"),
            "auth": self.headers.get("Authorization"),
            "custom": self.headers.get("X-Custom"),
        }
        self._send(201, json.dumps(echo).encode(), {"Content-Type": "application/json"})


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


def test_get(server, store) -> None:
    result = run_task(context({"type": HTTP + "Request", "uri": f"{server}/hello"}, store))
    assert result.state == "SUCCESS"
    outputs = result.outputs
    assert outputs["code"] == 200 and outputs["body"] == "hello"
    assert outputs["uri"] == f"{server}/hello"
    assert outputs["headers"]["X-Multi"] == ["one"]


def test_post_body_headers_auth(server, store) -> None:
    task = {
        "type": HTTP + "Request",
        "uri": f"{server}/echo",
        "method": "POST",
        "body": '{"flow": "{{ flow.id }}"}',
        "contentType": "application/json",
        "headers": {"X-Custom": "{{ flow.namespace }}"},
        "options": {"basicAuthUser": "u", "basicAuthPassword": "p"},
    }
    outputs = run_task(context(task, store)).outputs
    assert outputs["code"] == 201
    echo = json.loads(outputs["body"])
    assert echo["body"] == '{"flow": "flow"}' and echo["contentType"] == "application/json"
    assert echo["custom"] == "company.team" and echo["auth"].startswith("Basic ")


def test_form_data_urlencoded_and_multipart(server, store) -> None:
    uri = store.put("company/team/flow/executions/exec1/tasks/w/r/up.txt", b"file body")
    form = {"type": HTTP + "Request", "uri": f"{server}/f", "method": "POST"}
    plain = run_task(context(dict(form, formData={"a": "1", "b": "{{ flow.id }}"}), store))
    echo = json.loads(plain.outputs["body"])
    assert echo["body"] == "a=1&b=flow"
    assert echo["contentType"] == "application/x-www-form-urlencoded"
    multipart = dict(form, formData={"f": uri, "t": "x"}, contentType="multipart/form-data")
    echo = json.loads(run_task(context(multipart, store)).outputs["body"])
    assert echo["contentType"].startswith("multipart/form-data; boundary=")
    assert "file body" in echo["body"] and 'filename="up.txt"' in echo["body"]


def test_failed_status_and_allow_failed(server, store) -> None:
    failed = run_task(context({"type": HTTP + "Request", "uri": f"{server}/missing"}, store))
    assert failed.state == "FAILED"
    assert failed.error == "Failed http request with response code '404'"
    allowed = {"type": HTTP + "Request", "uri": f"{server}/missing", "allowFailed": True}
    assert run_task(context(allowed, store)).outputs["code"] == 404


def test_redirects_follow_by_default(server, store) -> None:
    task = {"type": HTTP + "Request", "uri": f"{server}/redirect"}
    assert run_task(context(task, store)).outputs["body"] == "hello"
    task["options"] = {"followRedirects": False}
    assert run_task(context(task, store)).outputs["code"] == 302


def test_connection_refused_fails(store) -> None:
    task = {
        "type": HTTP + "Request",
        "uri": "http://127.0.0.1:9/",
        "options": {"connectTimeout": "PT1S"},
    }
    assert run_task(context(task, store)).state == "FAILED"


def test_download(server, store) -> None:
    logs = Lines()
    result = run_task(context({"type": HTTP + "Download", "uri": f"{server}/file"}, store, logs))
    assert result.state == "SUCCESS", logs
    outputs = result.outputs
    assert outputs["code"] == 200 and outputs["length"] == 8
    assert outputs["uri"].endswith("report.csv")
    with store.open(outputs["uri"][len("kestra://") :]) as handle:
        assert handle.read() == b"a,b\n1,2\n"


def test_download_empty(server, store) -> None:
    task = {"type": HTTP + "Download", "uri": f"{server}/empty"}
    assert run_task(context(task, store)).error == "No response from server"
    task["failOnEmptyResponse"] = False
    assert run_task(context(task, store)).outputs["length"] == 0
