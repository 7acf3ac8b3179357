"""A small fixed world of flows, executions, task runs and logs for the contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from executions.models import Execution, LogEntry, TaskRun
from flows import services as flow_services
from indexer.signals import rows_saved

# Five days ago, not a fixed date: the drain task expires log indices past the retention
# (30 days), which would delete a fixed date's logs once it is old enough.
DAY1 = (datetime.now(UTC) - timedelta(days=5)).replace(hour=8, minute=0, second=0, microsecond=0)
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY1 + timedelta(days=2)
# The three days as the API writes dates.
D1, D2, D3 = (f"{d.date().isoformat()}" for d in (DAY1, DAY2, DAY3))

FLOWS = {
    "hello": """id: hello
namespace: company.team
description: greets everybody
labels:
  team: data
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: bonjour tout le monde
""",
    "nightly": """id: nightly
namespace: company.team.sub
tasks:
  - id: load
    type: io.kestra.plugin.core.log.Log
    message: loading warehouse tables
""",
    "other": """id: other
namespace: acme
description: unrelated
tasks:
  - id: ping
    type: io.kestra.plugin.core.log.Log
    message: ping pong
""",
}

# id, namespace, flow, state, start, seconds (None: running), labels, parent
EXECUTIONS = [
    ("e1", "company.team", "hello", "SUCCESS", DAY1, 10, {"team": "data"}, None),
    ("e2", "company.team", "hello", "FAILED", DAY1 + timedelta(hours=1), 30, {"team": "ops"}, None),
    ("e3", "company.team.sub", "nightly", "SUCCESS", DAY2, 20, {"team": "data"}, "e1"),
    ("e4", "acme", "other", "RUNNING", DAY2 + timedelta(hours=2), None, {}, None),
    ("e5", "company.team", "hello", "SUCCESS", DAY3, 40, {}, None),
]

# execution, level, message, offset minutes
LOGS = [
    ("e1", "INFO", "starting the hello flow", 0),
    ("e1", "DEBUG", "details of nothing", 1),
    ("e2", "ERROR", "boom happened in hello", 2),
    ("e2", "WARN", "retrying the boom", 3),
    ("e3", "INFO", "loading warehouse tables", 0),
    ("e4", "TRACE", "ping pong", 0),
    ("e5", "INFO", "starting the hello flow", 0),
]


def build() -> dict:
    """Write the world through the same paths the product uses (signals included)."""
    for source in FLOWS.values():
        flow_services.flow_create(source=source)
    executions = {}
    for ex_id, ns, flow, state, start, seconds, labels, parent in EXECUTIONS:
        end = start + timedelta(seconds=seconds) if seconds is not None else None
        executions[ex_id] = Execution.objects.create(
            id=ex_id,
            namespace=ns,
            flow_id=flow,
            flow_revision=1,
            state=state,
            start_date=start,
            end_date=end,
            labels=[{"key": k, "value": v} for k, v in labels.items()],
            parent_id=parent,
            state_histories=[{"state": "CREATED", "date": start.isoformat()}],
        )
        runs = TaskRun.objects.bulk_create(
            [
                TaskRun(
                    id=f"{ex_id}t{i}",
                    execution=executions[ex_id],
                    position=i,
                    task_id=task,
                    state=state if i == 1 else "SUCCESS",
                    start_date=start,
                    end_date=end if i == 1 else start + timedelta(seconds=1),
                    state_histories=[{"state": "CREATED", "date": start.isoformat()}],
                )
                for i, task in enumerate(("first", "second"))
            ]
        )
        rows_saved.send(sender=TaskRun, rows=runs)
    logs = LogEntry.objects.bulk_create(
        LogEntry.of(
            executions[ex_id],
            level=level,
            message=message,
            timestamp=executions[ex_id].start_date + timedelta(minutes=minutes),
            task_run_id=f"{ex_id}t0",
            task_id="first",
        )
        for ex_id, level, message, minutes in LOGS
    )
    rows_saved.send(sender=LogEntry, rows=logs)
    return executions
