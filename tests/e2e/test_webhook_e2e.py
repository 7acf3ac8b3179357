"""Webhooks under load: concurrent calls to the live server, one execution per call."""

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from executions.models import Execution
from flows import services as flow_services
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e
CALLS = 100
THREADS = 25  # PostgreSQL's 100 connections are shared with the cluster and other tests

FLOW = """
id: hook-load
namespace: e2e.hooks
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.body.n }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: load-key
"""


def test_concurrent_calls_create_one_execution_each(running, live_server):
    flow_services.flow_create(source=FLOW)
    url = f"{live_server.url}/api/v1/main/executions/webhook/e2e.hooks/hook-load/load-key"

    def call(n: int) -> str:
        request = urllib.request.Request(
            url,
            data=json.dumps({"n": n}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return json.loads(response.read())["id"]

    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(call, range(CALLS)))
    assert len(set(ids)) == CALLS
    assert Execution.objects.count() == CALLS
    bodies = sorted(
        row.trigger["variables"]["body"]["n"] for row in Execution.objects.filter(id__in=ids)
    )
    assert bodies == list(range(CALLS))
    wait_for(lambda: Execution.objects.filter(state="SUCCESS").count() == CALLS, timeout=120)
    assert Execution.objects.count() == CALLS  # nothing else started
