"""Flow-level limits the executor applies around the engine: the `concurrency` limit."""

from __future__ import annotations

from datetime import datetime

from executions import engine
from executions.models import Execution
from executions.states import State


def concurrency_gate(
    row: Execution, plan: engine.FlowPlan, snapshot: engine.Execution, at: datetime
) -> bool:
    """Apply the flow's `concurrency` limit to a CREATED or QUEUED execution.

    Returns True when the execution may run now. Serialized per flow by locking the flow row.
    """
    limit = plan.source.get("concurrency") or {}
    if not limit or snapshot.state.current not in (State.CREATED, State.QUEUED):
        return True
    from flows.models import Flow

    Flow.objects.select_for_update().filter(
        tenant=row.tenant, namespace=row.namespace, flow_id=row.flow_id
    ).first()
    running = (
        Execution.objects.filter(tenant=row.tenant, namespace=row.namespace, flow_id=row.flow_id)
        .exclude(pk=row.pk)
        .exclude(
            state__in=[s.value for s in State if s.is_terminal]
            + [State.CREATED.value, State.QUEUED.value]
        )
        .count()
    )
    if running < int(limit.get("limit", 1)):
        if snapshot.state.current is State.QUEUED:
            engine.model.change_state(snapshot, State.RUNNING, at)
        return True
    behavior = limit.get("behavior", "QUEUE")
    if behavior == "QUEUE":
        engine.model.change_state(snapshot, State.QUEUED, at)
    elif behavior == "CANCEL":
        engine.model.change_state(snapshot, State.CANCELLED, at)
    else:
        engine.model.change_state(snapshot, State.FAILED, at)
    return False
