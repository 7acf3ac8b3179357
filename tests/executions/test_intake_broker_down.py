"""A new execution is committed before its first tick is published: with the broker down the
caller still gets its execution (the sweeper sends the tick later), not an error."""

from __future__ import annotations

import pytest

from executions.models import Execution
from executions.services import execution_create
from flows import services as flow_services
from tests.processes import broker_pointed_at, free_port

FLOW = """
id: intake
namespace: tests.intake
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


@pytest.mark.django_db
def test_an_execution_is_created_while_the_broker_is_down(django_capture_on_commit_callbacks):
    flow_services.flow_create(source=FLOW)
    with broker_pointed_at(f"redis://127.0.0.1:{free_port()}/0"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            row = execution_create(namespace="tests.intake", flow_id="intake")
    assert callbacks, "the first tick is sent after commit"
    assert Execution.objects.get(pk=row.id).state == "CREATED"  # the sweeper starts it
