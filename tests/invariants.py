"""What must hold in the database whatever failed: checked after every test that runs a live
cluster (the `running` fixture), and by the fault tests and the soak tool when they settle.

Each check returns human-readable violations; an empty list means the store is consistent.
"""

from __future__ import annotations

from collections import Counter

from executions.models import Execution, TaskRun
from executions.states import State

# States an execution may legitimately rest in while nothing is moving: waiting for a person
# (PAUSED), for a concurrency slot (QUEUED), or for a retry (RETRYING/ RETRIED have ends).
WAITING = {State.PAUSED.value, State.QUEUED.value}


def successful_attempts() -> list[str]:
    """At most one successful attempt per task run, per time a user ran it again (a restart or
    a replay marks the task run RESTARTED and keeps its earlier attempts, as Kestra does)."""
    found = []
    rows = TaskRun.objects.values_list("id", "task_id", "attempts", "state_histories")
    for task_run_id, task_id, attempts, histories in rows:
        wins = [a for a in attempts or [] if (a.get("state") or {}).get("current") == "SUCCESS"]
        reruns = sum(1 for h in histories or [] if h.get("state") == State.RESTARTED.value)
        if len(wins) > 1 + reruns:
            found.append(f"task run {task_run_id} ({task_id}) has {len(wins)} successful attempts")
    return found


def executions_per_trigger_date() -> list[str]:
    """At most one execution per (flow, schedule trigger, scheduled date)."""
    keys: Counter[tuple[str, str, str, str]] = Counter()
    for namespace, flow_id, trigger in Execution.objects.filter(trigger__isnull=False).values_list(
        "namespace", "flow_id", "trigger"
    ):
        variables = (trigger or {}).get("variables") or {}
        date = variables.get("date")
        if not date or "Schedule" not in str(trigger.get("type", "")):
            continue
        keys[(namespace, flow_id, str(trigger.get("id")), str(date))] += 1
    return [f"{n} executions of {key} for one date" for key, n in keys.items() if n > 1]


def orphan_task_runs() -> list[str]:
    """Every task run belongs to an existing execution and names an existing parent."""
    found = []
    ids = set(TaskRun.objects.values_list("id", flat=True))
    executions = set(Execution.objects.values_list("id", flat=True))
    for task_run_id, execution_id, parent in TaskRun.objects.values_list(
        "id", "execution_id", "parent_task_run_id"
    ):
        if execution_id not in executions:
            found.append(f"task run {task_run_id} of missing execution {execution_id}")
        if parent and parent not in ids:
            found.append(f"task run {task_run_id} names missing parent {parent}")
    return found


def unsettled_executions() -> list[str]:
    """Once the system is quiet: every execution ended or legitimately waiting."""
    return [
        f"execution {execution_id} ({namespace}.{flow_id}) stuck in {state}"
        for execution_id, namespace, flow_id, state in Execution.objects.exclude(
            state__in=[s.value for s in State if s.is_terminal] + sorted(WAITING)
        ).values_list("id", "namespace", "flow_id", "state")
    ]


def check_invariants(*, settled: bool = True) -> list[str]:
    """All the checks; `settled=False` skips the one that needs a quiet system."""
    found = successful_attempts() + executions_per_trigger_date() + orphan_task_runs()
    if settled:
        found += unsettled_executions()
    return found
