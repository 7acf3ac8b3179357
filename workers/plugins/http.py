"""HTTP tasks: http.Request (the response is the output) and http.Download (into storage)."""

from __future__ import annotations

import ipaddress
import json
import os
import posixpath
import socket
import tempfile
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from flows.spec.durations import parse_duration
from workers.plugins import files
from workers.plugins.base import RunContext, TaskFailure, runnable

HTTP = "io.kestra.plugin.core.http."
LEGACY = "io.kestra.plugin.fs.http."
DEFAULT_READ_TIMEOUT = 10.0


def _seconds(value: Any, default: float | None) -> float | None:
    if value is None:
        return default
    try:
        return parse_duration(str(value)).total_seconds()
    except ValueError:
        raise TaskFailure(f"Invalid duration '{value}' in `options`") from None


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return value is True or str(value).lower() == "true"


# The worker's own environment names the networks its HTTP calls must not reach (comma-separated
# CIDRs, e.g. cloud metadata and private ranges); empty: no restriction.
DENY_NETWORKS_ENV = "KESTRA_HTTP_DENY_NETWORKS"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def denied_networks() -> list[Network]:
    networks = []
    for item in os.environ.get(DENY_NETWORKS_ENV, "").split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise TaskFailure(
                    f"{DENY_NETWORKS_ENV}: '{item.strip()}' is not a network"
                ) from None
    return networks


def check_destination(uri: str, networks: list[Network]) -> None:
    """Refuse `uri` when its host is, or resolves to any address, in a denied network."""
    parsed = urlparse(uri)
    host = parsed.hostname
    if not host:
        raise TaskFailure(f"Request to '{uri}' refused: no host")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        raise TaskFailure(f"Request to '{uri}' failed: cannot resolve '{host}': {error}") from None
    for info in infos:
        network = _denied(str(info[4][0]), networks)
        if network is not None:
            raise TaskFailure(
                f"Request to '{uri}' refused: '{host}' resolves to {_address(str(info[4][0]))}, "
                f"in the denied network {network} ({DENY_NETWORKS_ENV})"
            )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _denied(text: str, networks: list[Network]) -> Network | None:
    address = _address(text)
    for network in networks:
        if address.version == network.version and address in network:
            return network
    return None


def _checked_socket(sock: socket.socket, host: str, networks: list[Network]) -> socket.socket:
    """The connected socket, unless its peer is denied: a name that resolved to an allowed
    address for check_destination and to a denied one for the connection is caught here."""
    peer = str(sock.getpeername()[0])
    network = _denied(peer, networks)
    if network is not None:
        sock.close()
        raise TaskFailure(
            f"Request to '{host}' refused: connected to {_address(peer)}, in the denied network "
            f"{network} ({DENY_NETWORKS_ENV})"
        )
    return sock


def _guarded_adapter(networks: list[Network]) -> HTTPAdapter:
    """An adapter whose connections check the address they actually connected to."""

    class Connection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _checked_socket(super()._new_conn(), self.host, networks)

    class SecureConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _checked_socket(super()._new_conn(), self.host, networks)

    class Pool(HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}

    return Adapter()


class GuardedSession(requests.Session):
    """A session that checks every redirect hop against the denied networks before following,
    and every connection's peer address once connected."""

    def __init__(self, networks: list[Network]) -> None:
        super().__init__()
        self.networks = networks
        adapter = _guarded_adapter(networks)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target:
            check_destination(urljoin(resp.url, target), self.networks)
        return target


def _form_part(ctx: RunContext, value: Any) -> tuple[str | None, Any]:
    """A multipart part: kestra:/// URIs and {name, content} maps upload files."""
    if isinstance(value, str) and value.startswith(files.SCHEME):
        return posixpath.basename(files.uri_path(value)), files.read_bytes(ctx, value)
    if isinstance(value, dict) and "name" in value and "content" in value:
        return str(value["name"]), files.read_bytes(ctx, str(value["content"]))
    if isinstance(value, str):
        return None, value
    return None, json.dumps(value)


def _request(ctx: RunContext, *, stream: bool) -> tuple[requests.Response, dict[str, Any]]:
    uri = ctx.render_string(ctx.task.get("uri"))
    if not uri:
        raise TaskFailure("Missing property `uri`")
    method = (ctx.render_string(ctx.property("method", "GET")) or "GET").upper()
    options = ctx.render(ctx.task.get("options") or {})
    headers = {str(k): str(v) for k, v in (ctx.render(ctx.task.get("headers") or {})).items()}
    content_type = ctx.render_string(ctx.task.get("contentType"))
    kwargs: dict[str, Any] = {}
    form = ctx.task.get("formData")
    if form is not None:
        rendered = ctx.render(form)
        if content_type == "multipart/form-data":
            kwargs["files"] = {str(k): _form_part(ctx, v) for k, v in rendered.items()}
            content_type = None  # requests writes the boundary into the header
        else:
            kwargs["data"] = {str(k): v for k, v in rendered.items()}
    elif ctx.task.get("body") is not None:
        kwargs["data"] = (ctx.render_string(ctx.task["body"]) or "").encode()
    if content_type:
        headers["Content-Type"] = content_type
    user, password = options.get("basicAuthUser"), options.get("basicAuthPassword")
    if user is not None and password is not None:
        kwargs["auth"] = (str(user), str(password))
    timeout = (
        _seconds(options.get("connectTimeout"), None),
        _seconds(options.get("readTimeout"), DEFAULT_READ_TIMEOUT),
    )
    networks = denied_networks()
    if networks:
        check_destination(uri, networks)
    session = GuardedSession(networks) if networks else requests.Session()
    session.trust_env = False  # no proxy or netrc from the worker's environment
    remove = ctx.cancel.on_cancel(session.close)
    try:
        response = session.request(
            method,
            uri,
            headers=headers,
            timeout=timeout,
            allow_redirects=_flag(options.get("followRedirects"), True),
            stream=stream,
            **kwargs,
        )
    except requests.RequestException as error:
        raise TaskFailure(f"Request to '{uri}' failed: {error}") from None
    finally:
        remove()
    allow_failed = _flag(ctx.task.get("allowFailed"), False) or _flag(
        options.get("allowFailed"), False
    )
    if response.status_code >= 400 and not allow_failed:
        response.close()
        raise TaskFailure(f"Failed http request with response code '{response.status_code}'")
    ctx.log("DEBUG", f"Request '{uri}' with the response code '{response.status_code}'")
    return response, {"uri": uri, "code": response.status_code, "headers": _headers(response)}


def _headers(response: requests.Response) -> dict[str, list[str]]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return {name: list(raw.getlist(name)) for name in raw}
    return {name: [value] for name, value in response.headers.items()}


@runnable(HTTP + "Request", LEGACY + "Request")
def request(ctx: RunContext) -> dict[str, Any]:
    """Call `uri`; outputs `code`, `headers`, the text `body` and the `uri`."""
    response, outputs = _request(ctx, stream=False)
    encrypt = ctx.property("encryptBody", False) is True
    outputs["body"] = None if encrypt else response.text
    if encrypt:
        ctx.log("WARN", "`encryptBody` is not supported: the body is left out of the outputs")
    return outputs


def _filename(response: requests.Response, uri: str) -> str:
    disposition = response.headers.get("Content-Disposition") or ""
    name = None
    for part in disposition.split(";"):
        part = part.strip()
        if part.startswith("filename*"):
            name = unquote(part.split("''", 1)[-1].strip('"'))
        elif part.startswith("filename") and name is None:
            name = part.split("=", 1)[-1].strip().strip('"')
    name = posixpath.basename(name or urlparse(uri).path) or "download"
    return name if name not in (".", "..") else "download"


@runnable(HTTP + "Download", LEGACY + "Download")
def download(ctx: RunContext) -> dict[str, Any]:
    """Download `uri` into internal storage; outputs `uri`, `code`, `length`, `headers`."""
    response, outputs = _request(ctx, stream=True)
    source = outputs.pop("uri")
    with response, tempfile.TemporaryFile() as spool:
        length = 0
        for chunk in response.iter_content(1 << 16):
            spool.write(chunk)
            length += len(chunk)
        expected = response.headers.get("Content-Length")
        if expected is not None and response.raw.tell() != int(expected):
            raise TaskFailure(f"Invalid size, got {length}, expected {expected}")
        if length == 0:
            empty_fails = ctx.property("failOnEmptyResponse", True) is not False
            if empty_fails and not _flag(ctx.task.get("allowFailed"), False):
                raise TaskFailure("No response from server")
            ctx.log("WARN", f"File '{source}' is empty")
        spool.seek(0)
        outputs["uri"] = files.put_task_file(ctx, _filename(response, source), spool)
    outputs["length"] = length
    return outputs
