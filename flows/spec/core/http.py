"""HTTP tasks (Request, Download) and the polling http.Trigger."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from flows.spec.core._common import CORE
from flows.spec.plugins import RunnableTask, Trigger
from flows.spec.types import Duration, Dynamic, Text

HTTP = CORE + "http."
LEGACY_HTTP = "io.kestra.plugin.fs.http."
Method = Literal[
    "OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT", "PATCH", "CUSTOM"
]


class HttpRequestMixin(RunnableTask):
    """What an HTTP call is made of."""

    uri: Text
    method: Dynamic[Method] = "GET"
    body: Text | None = None
    form_data: dict[str, Any] | None = Field(None, alias="formData")
    content_type: Text | None = Field(None, alias="contentType")
    headers: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    ssl_options: dict[str, Any] | None = Field(None, alias="sslOptions")
    allow_failed: bool = Field(False, alias="allowFailed")


class Request(HttpRequestMixin):
    """Call an HTTP endpoint; the response is the task output."""

    type_names = (HTTP + "Request", LEGACY_HTTP + "Request")

    encrypt_body: bool = Field(False, alias="encryptBody")


class Download(HttpRequestMixin):
    """Download a file over HTTP into internal storage."""

    type_names = (HTTP + "Download", LEGACY_HTTP + "Download")

    fail_on_empty_response: bool = Field(True, alias="failOnEmptyResponse")


class HttpTrigger(Trigger):
    """Poll an HTTP endpoint and create an execution when the response condition holds."""

    type_names = (HTTP + "Trigger", LEGACY_HTTP + "Trigger")

    uri: Text
    method: Dynamic[Method] = "GET"
    body: Text | None = None
    form_data: dict[str, Any] | None = Field(None, alias="formData")
    content_type: Text | None = Field(None, alias="contentType")
    headers: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    ssl_options: dict[str, Any] | None = Field(None, alias="sslOptions")
    interval: Duration = "PT60S"  # not dynamic in Kestra either: beat needs it at save time
    response_condition: Text = Field("{{ response.statusCode < 400 }}", alias="responseCondition")
    encrypt_body: bool = Field(False, alias="encryptBody")
    inputs: dict[str, Any] | None = None


TYPES = (Request, Download, HttpTrigger)
