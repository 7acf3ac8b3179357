"""Flow triggers through the real executor: one triggered execution per state change, inputs
rendered from the upstream execution, windows persisted, and the unique fire row."""

import pytest
from django.db import IntegrityError, transaction

from executions import services
from executions.models import Execution, FlowTriggerFired
from flows import services as flow_services
from tests.e2e.conftest import wait_for, wait_terminal

pytestmark = pytest.mark.e2e

UPSTREAM = """
id: up
namespace: e2e.trg
labels:
  team: data
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "from {{ execution.id }}"
"""
OTHER = UPSTREAM.replace("id: up\n", "id: other\n")
LISTENER = """
id: listener
namespace: e2e.trg
inputs:
  - id: value
    type: STRING
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.value }} {{ trigger.flowId }} {{ trigger.state }}"
triggers:
  - id: on-up
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      value: "{{ outputs.only.value }}"
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: e2e.trg
        flowId: up
      - type: io.kestra.plugin.core.condition.ExecutionLabels
        labels:
          team: data
"""
BOTH = """
id: both
namespace: e2e.trg
tasks:
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.flowId }}"
triggers:
  - id: after-both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both
      flows:
        - namespace: e2e.trg
          flowId: up
        - namespace: e2e.trg
          flowId: other
"""


def triggered(flow_id: str, source_id: str) -> list[Execution]:
    return list(
        Execution.objects.filter(flow_id=flow_id, trigger__variables__executionId=source_id)
    )


def test_a_flow_trigger_starts_the_listener_once_with_rendered_inputs(running):
    for source in (UPSTREAM, LISTENER):
        flow_services.flow_create(source=source)
    up = services.execution_create(namespace="e2e.trg", flow_id="up")
    assert wait_terminal(up.id).state == "SUCCESS"
    found = wait_for(lambda: triggered("listener", up.id))
    listener = wait_terminal(found[0].id)
    assert listener.state == "SUCCESS"
    assert listener.inputs == {"value": f"from {up.id}"}
    assert listener.trigger["id"] == "on-up"
    variables = listener.trigger["variables"]
    assert (variables["namespace"], variables["flowId"], variables["state"]) == (
        "e2e.trg",
        "up",
        "SUCCESS",
    )
    assert len(triggered("listener", up.id)) == 1
    # the listener's own end triggers nothing (it is not `up`), and the fire row is unique
    fired = FlowTriggerFired.objects.get(source_execution_id=up.id)
    with pytest.raises(IntegrityError), transaction.atomic():
        FlowTriggerFired.objects.create(
            source_execution_id=up.id,
            source_step=fired.source_step,
            namespace="e2e.trg",
            flow_id="listener",
            trigger_id="on-up",
        )


def test_preconditions_fire_once_both_upstreams_ran(running):
    for source in (UPSTREAM, OTHER, BOTH):
        flow_services.flow_create(source=source)
    first = services.execution_create(namespace="e2e.trg", flow_id="up")
    wait_terminal(first.id)
    second = services.execution_create(namespace="e2e.trg", flow_id="other")
    wait_terminal(second.id)
    found = wait_for(lambda: triggered("both", second.id))
    assert wait_terminal(found[0].id).state == "SUCCESS"
    assert not triggered("both", first.id)
    assert Execution.objects.filter(flow_id="both").count() == 1
