"""A SECRET input in a real cluster: logged, passed to a script and returned, its plaintext is
in no log row, no stored or served input, no log API answer and no search-index document.

The one place it shows is the output of a task that returns it on purpose: Kestra does the same
(its `inputs.yaml` conformance flow expects `Return` of a SECRET input to output the plaintext),
so that output is checked to be the only one. Secrets from `secret()` (the worker's own
environment) are masked in outputs too: tests/workers/test_runner_attempt.py."""

from __future__ import annotations

import json

import pytest

from executions import services
from executions.models import Execution, LogEntry, TaskRun
from flows import services as flow_services
from indexer import documents
from tests.conformance.checks import ENCRYPTION_KEY
from tests.e2e.conftest import wait_terminal

pytestmark = pytest.mark.e2e

PLAINTEXT = "tr0ub4dor-and-3-horses"

FLOW = """
id: secretive
namespace: e2e.security
inputs:
  - id: pw
    type: SECRET
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "the password is {{ inputs.pw }}"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - echo "script got {{ inputs.pw }}"
      - echo "$PW" >&2
    warningOnStdErr: false
    env:
      PW: "{{ inputs.pw }}"
  - id: fail_with_it
    type: io.kestra.plugin.core.execution.Fail
    allowFailure: true
    errorMessage: "refusing {{ inputs.pw }}"
  - id: give_back
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.pw }}"
"""


@pytest.fixture
def encryption(settings):
    settings.KESTRA = {**settings.KESTRA, "ENCRYPTION_SECRET_KEY": ENCRYPTION_KEY}


def test_a_secret_input_never_leaks(running, encryption, api) -> None:
    flow_services.flow_create(source=FLOW)
    row = services.execution_create(
        namespace="e2e.security", flow_id="secretive", inputs={"pw": PLAINTEXT}
    )
    done = wait_terminal(row.id, timeout=120)
    runs = {run.task_id: run for run in TaskRun.objects.filter(execution=done)}
    assert runs["script"].state == "SUCCESS", runs["script"].state

    # The logs were written, masked.
    logs = list(LogEntry.objects.filter(execution_id=done.id))
    messages = [entry.message for entry in logs]
    assert any("the password is" in m for m in messages), messages
    assert any("script got" in m for m in messages), messages
    assert not [m for m in messages if PLAINTEXT in m]

    # Stored: the execution's inputs are encrypted; the only plaintext is the output of the
    # task that returns it on purpose (as in Kestra).
    stored = Execution.objects.get(pk=done.id)
    assert PLAINTEXT not in json.dumps(stored.inputs)
    assert runs["give_back"].outputs == {"value": PLAINTEXT}
    for task_id, run in runs.items():
        if task_id != "give_back":
            assert PLAINTEXT not in json.dumps(run.outputs), task_id
            assert PLAINTEXT not in json.dumps(run.attempts, default=str), task_id

    # Served by the API.
    served = api.get(f"/api/v1/main/executions/{done.id}")
    assert served.status_code == 200
    body = served.json()
    assert PLAINTEXT not in json.dumps(body["inputs"])
    for task_run in body["taskRunList"]:
        if task_run["taskId"] != "give_back":
            assert PLAINTEXT not in json.dumps(task_run), task_run["taskId"]
    for url in (
        f"/api/v1/main/logs/{done.id}",
        f"/api/v1/main/logs/{done.id}/download",
        "/api/v1/main/logs/search?q=password&namespace=e2e.security",
    ):
        answer = api.get(url)
        assert answer.status_code == 200, url
        content = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert b"the password is" in content, url
        assert PLAINTEXT.encode() not in content, url

    # What the indexer would send to Elasticsearch.
    docs = [documents.execution_doc(stored)]
    docs += [documents.task_run_doc(stored, run) for run in runs.values()]
    docs += [documents.log_doc(entry) for entry in logs]
    assert PLAINTEXT not in json.dumps(docs, default=str)
