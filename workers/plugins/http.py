"""HTTP tasks: http.Request (the response is the output) and http.Download (into storage)."""

from __future__ import annotations

import json
import posixpath
import tempfile
from typing import Any
from urllib.parse import unquote, urlparse

import requests

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
    session = requests.Session()
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
