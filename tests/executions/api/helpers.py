"""Flows and a synchronous stand-in for workers: results fed straight to the executor."""

from datetime import UTC, datetime

from executions import executor, services
from executions.engine import WorkerResult
from executions.models import Execution, TaskRun
from flows import services as flow_services

BASE = "/api/v1/main/executions"

FLAKY = """id: flaky
namespace: company.team
labels:
  team: data
inputs:
  - id: count
    type: INT
    defaults: 1
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: "first {{ inputs.count }}"
  - id: group
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: boom
        type: io.kestra.plugin.core.execution.Fail
      - id: fine
        type: io.kestra.plugin.core.debug.Return
        format: fine
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: done
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: handled
"""

PAUSING = """id: pausing
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: score
        type: INT
        defaults: 1
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.wait.onResume.approved }} {{ outputs.wait.onResume.score + 1 }}"
"""


def make_flow(source: str = FLAKY):
    return flow_services.flow_create(source=source)


def drive(execution_id: str, fail: tuple[str, ...] = (), limit: int = 50) -> Execution:
    """Run the executor until nothing is left to run; task ids in `fail` fail, others succeed
    with `{"value": <task id>}`."""
    executor.execution_process(execution_id)
    for _ in range(limit):
        running = [
            t
            for t in TaskRun.objects.filter(execution_id=execution_id, state="RUNNING")
            if t.attempts and t.attempts[-1]["state"]["current"] == "RUNNING"
        ]
        if not running:
            break
        for t in running:
            failed = t.task_id in fail
            event = WorkerResult(
                t.id,
                len(t.attempts),
                "FAILED" if failed else "SUCCESS",
                None if failed else {"value": t.task_id},
            )
            line = {
                "level": "ERROR" if failed else "INFO",
                "message": f"{t.task_id} {'failed' if failed else 'ran'}",
                "timestamp": datetime.now(UTC).isoformat(),
            }
            context = {"task_run_id": t.id, "task_id": t.task_id, "attempt": len(t.attempts)}
            executor.execution_process(
                execution_id, [event], worker_logs=[line], log_context=context
            )
    return Execution.objects.get(pk=execution_id)


def failed_execution() -> Execution:
    make_flow()
    row = services.execution_create(namespace="company.team", flow_id="flaky")
    done = drive(row.id, fail=("boom",))
    assert done.state == "FAILED"
    return done
