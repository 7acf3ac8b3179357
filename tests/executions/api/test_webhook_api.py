"""Webhook triggers: no login, the key as the secret, body/headers/parameters, conditions."""

import json

import pytest

from executions.api import webhooks
from executions.models import Execution
from flows import services as flow_services

pytestmark = pytest.mark.django_db

URL = "/api/v1/main/executions/webhook/company.hooks/hooked"
FLOW = """
id: hooked
namespace: company.hooks
inputs:
  - id: who
    type: STRING
    required: false
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.body }}"
outputs:
  - id: who
    type: STRING
    value: "{{ inputs.who }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cr3t-key
    inputs:
      who: "{{ trigger.body.name ?? 'nobody' }}"
  - id: guarded
    type: io.kestra.plugin.core.trigger.Webhook
    key: guarded-key
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.body.go == true }}"
"""


@pytest.fixture
def hooked(db):
    flow_services.flow_create(source=FLOW)


def test_post_json_creates_an_execution_without_a_login(anonymous, hooked):
    response = anonymous.post(
        f"{URL}/s3cr3t-key?a=1&a=2&b=x",
        data=json.dumps({"name": "ada"}),
        content_type="application/json",
        HTTP_X_CUSTOM="yes",
    )
    assert response.status_code == 200, response.content
    row = Execution.objects.get(pk=response.json()["id"])
    variables = row.trigger["variables"]
    assert row.trigger["id"] == "hook"
    assert row.trigger["type"] == webhooks.WEBHOOK
    assert variables["body"] == {"name": "ada"}
    assert variables["parameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert variables["headers"]["X-Custom"] == ["yes"]
    assert row.inputs == {"who": "ada"}


def test_get_and_put_with_a_text_body(anonymous, hooked):
    response = anonymous.get(f"{URL}/s3cr3t-key?x=1")
    assert response.status_code == 200, response.content
    row = Execution.objects.get(pk=response.json()["id"])
    assert row.trigger["variables"]["body"] is None
    assert row.trigger["variables"]["parameters"] == {"x": ["1"]}
    response = anonymous.put(f"{URL}/s3cr3t-key", data="plain words", content_type="text/plain")
    assert response.status_code == 200, response.content
    row = Execution.objects.get(pk=response.json()["id"])
    assert row.trigger["variables"]["body"] == "plain words"


def test_unknown_key_or_flow_is_404_and_creates_nothing(anonymous, hooked):
    assert anonymous.post(f"{URL}/wrong-key").status_code == 404
    assert anonymous.post(f"{URL}/s3cr3t-ke").status_code == 404
    missing = "/api/v1/main/executions/webhook/company.hooks/nope/s3cr3t-key"
    assert anonymous.post(missing).status_code == 404
    assert Execution.objects.count() == 0


def test_a_disabled_flow_is_refused(anonymous, hooked):
    flow_services.flow_update(
        namespace="company.hooks", flow_id="hooked", source=FLOW + "disabled: true\n"
    )
    response = anonymous.post(f"{URL}/s3cr3t-key")
    assert 400 <= response.status_code < 500 and response.status_code != 404
    assert Execution.objects.count() == 0


def test_conditions_that_do_not_hold_answer_204(anonymous, hooked):
    body = json.dumps({"go": False})
    response = anonymous.post(f"{URL}/guarded-key", data=body, content_type="application/json")
    assert response.status_code == 204
    assert Execution.objects.count() == 0
    body = json.dumps({"go": True})
    response = anonymous.post(f"{URL}/guarded-key", data=body, content_type="application/json")
    assert response.status_code == 200


def test_a_body_over_the_cap_is_413(anonymous, hooked, monkeypatch):
    monkeypatch.setattr(webhooks, "MAX_BODY_BYTES", 10)
    response = anonymous.post(f"{URL}/s3cr3t-key", data="x" * 11, content_type="text/plain")
    assert response.status_code == 413
    assert Execution.objects.count() == 0


def test_the_route_is_not_taken_by_execution_create(api, hooked):
    # `executions/{namespace}/{id}` (create) has two segments: the webhook has five
    response = api.post(f"{URL}/s3cr3t-key")
    assert response.status_code == 200
    assert Execution.objects.get().flow_id == "hooked"


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [(b"", None), (b'{"a": 1}', {"a": 1}), (b"[1, 2]", [1, 2]), (b"42", "42"), (b"{x", "{x")],
)
def test_parse_body(raw, parsed):
    assert webhooks.parse_body(raw) == parsed
