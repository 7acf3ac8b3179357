"""KESTRA_HTTP_DENY_NETWORKS: HTTP tasks and the http polling trigger refuse denied addresses,
on the first hop and on every redirect, before any request reaches them."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.workers.plugins.support import context, make_storage
from workers.plugins import run_task
from workers.plugins.polling import evaluate

HTTP = "io.kestra.plugin.core.http."


def _server(address: str, hits: list[str], redirect_to: dict):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            if self.path == "/to-other" and redirect_to:
                self.send_response(302)
                self.send_header("Location", f"{redirect_to['base']}/landed")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = f"hello from {address}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer((address, 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{address}:{httpd.server_address[1]}"


@pytest.fixture
def servers():
    """A on 127.0.0.1 redirects /to-other to B on 127.0.0.2 (Linux routes all of 127/8 to
    loopback); each records the paths it was asked for."""
    hits_a: list[str] = []
    hits_b: list[str] = []
    target: dict = {}
    a, base_a = _server("127.0.0.1", hits_a, target)
    b, base_b = _server("127.0.0.2", hits_b, {})
    target["base"] = base_b
    yield {"a": base_a, "b": base_b, "hits_a": hits_a, "hits_b": hits_b}
    a.shutdown()
    b.shutdown()


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def request(uri: str, store, kind: str = "Request"):
    return run_task(context({"type": HTTP + kind, "uri": uri}, store))


def test_without_a_deny_list_redirects_are_followed(servers, store, monkeypatch) -> None:
    monkeypatch.delenv("KESTRA_HTTP_DENY_NETWORKS", raising=False)
    result = request(f"{servers['a']}/to-other", store)
    assert result.state == "SUCCESS", result.error
    assert result.outputs["body"] == "hello from 127.0.0.2"
    assert servers["hits_b"] == ["/landed"]


def test_a_denied_address_is_refused_before_any_request(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "10.0.0.0/8, 127.0.0.0/8")
    result = request(f"{servers['a']}/hello", store)
    assert result.state == "FAILED"
    assert "refused" in result.error and "127.0.0.1" in result.error
    assert "127.0.0.0/8" in result.error
    assert servers["hits_a"] == []


def test_a_name_is_checked_on_what_it_resolves_to(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "127.0.0.0/8,::1/128")
    port = servers["a"].rsplit(":", 1)[1]
    result = request(f"http://localhost:{port}/hello", store)
    assert result.state == "FAILED"
    assert "'localhost' resolves to" in result.error
    assert servers["hits_a"] == []


def test_every_redirect_hop_is_checked(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "127.0.0.2/32")
    result = request(f"{servers['a']}/to-other", store)
    assert result.state == "FAILED"
    assert "127.0.0.2" in result.error and "refused" in result.error
    assert servers["hits_a"] == ["/to-other"]  # the allowed first hop was asked
    assert servers["hits_b"] == []  # the denied one never was


def test_download_is_guarded_too(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "127.0.0.2/32")
    result = request(f"{servers['a']}/to-other", store, kind="Download")
    assert result.state == "FAILED" and "127.0.0.2" in result.error
    assert servers["hits_b"] == []


def test_the_http_polling_trigger_is_guarded_too(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "127.0.0.2/32")
    found = evaluate(context({"type": HTTP + "Trigger", "uri": f"{servers['a']}/to-other"}, store))
    assert not found.fire
    assert "127.0.0.2" in found.error and "refused" in found.error
    assert servers["hits_b"] == []


def test_an_allowed_address_passes_with_a_deny_list(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "169.254.0.0/16,10.0.0.0/8")
    result = request(f"{servers['a']}/to-other", store)
    assert result.state == "SUCCESS", result.error
    assert result.outputs["body"] == "hello from 127.0.0.2"


def test_a_bad_network_is_a_clear_error(servers, store, monkeypatch) -> None:
    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "not-a-cidr")
    result = request(f"{servers['a']}/hello", store)
    assert result.state == "FAILED"
    assert result.error == "KESTRA_HTTP_DENY_NETWORKS: 'not-a-cidr' is not a network"


def test_the_connected_address_is_checked_too(servers, store, monkeypatch) -> None:
    """A name that resolved to an allowed address for the first check and to a denied one for
    the connection (DNS rebinding) is stopped once connected, before the request is sent."""
    from workers.plugins import http

    monkeypatch.setenv("KESTRA_HTTP_DENY_NETWORKS", "127.0.0.2/32")
    monkeypatch.setattr(http, "check_destination", lambda uri, networks: None)
    direct = request(f"{servers['b']}/hello", store)
    assert direct.state == "FAILED"
    assert "connected to 127.0.0.2" in direct.error and "127.0.0.2/32" in direct.error
    redirected = request(f"{servers['a']}/to-other", store)
    assert redirected.state == "FAILED" and "connected to 127.0.0.2" in redirected.error
    assert servers["hits_a"] == ["/to-other"]
    assert servers["hits_b"] == []
