"""The executor-side core tasks: execution.Count, PurgeExecutions, log.PurgeLogs, trigger.Toggle."""

from datetime import UTC, datetime, timedelta

import pytest

from executions.executor_tasks import LOCAL_TYPES, is_local
from executions.models import Execution, LogEntry
from flows import services as flow_services
from flows.models import Flow
from kestra_site import storage
from workers.runner import run_job

pytestmark = pytest.mark.django_db
NOW = datetime.now(UTC)
CORE = "io.kestra.plugin.core."


def execution(ident: str, namespace="company.team", flow_id="a", state="SUCCESS", days=0):
    started = NOW - timedelta(days=days)
    row = Execution.objects.create(
        id=ident, namespace=namespace, flow_id=flow_id, state=state, start_date=started
    )
    LogEntry.objects.create(
        execution=row,
        namespace=namespace,
        flow_id=flow_id,
        level="INFO",
        message="hi",
        timestamp=started,
    )
    LogEntry.objects.create(
        execution=row,
        namespace=namespace,
        flow_id=flow_id,
        level="DEBUG",
        message="dbg",
        timestamp=started,
    )
    return row


def run(task: dict, namespace="company.team", flow_id="runner", execution_id="self") -> dict:
    job = {
        "execution_id": execution_id,
        "task_run_id": "tr",
        "attempt": 1,
        "task": {"id": "t", **task},
        "variables": {
            "flow": {"namespace": namespace, "id": flow_id},
            "execution": {"id": execution_id},
            "taskrun": {"id": "tr"},
        },
    }
    return run_job(job)


def test_they_run_on_the_executor_side():
    for name in ("execution.Count", "execution.PurgeExecutions", "log.PurgeLogs", "trigger.Toggle"):
        assert CORE + name in LOCAL_TYPES
        assert is_local({"type": CORE + name})


def test_count_per_flow_and_namespace_with_expression():
    execution("e1", flow_id="a")
    execution("e2", flow_id="a", state="FAILED")
    execution("e3", flow_id="b")
    execution("e4", namespace="other", flow_id="c")
    execution("old", flow_id="a", days=40)
    start = (NOW - timedelta(days=1)).isoformat()
    result = run(
        {
            "type": CORE + "execution.Count",
            "flows": [
                {"namespace": "company.team", "flowId": "a"},
                {"namespace": "company.team", "flowId": "none"},
            ],
            "startDate": start,
            "expression": "{{ count >= 0 }}",
        }
    )
    assert result["state"] == "SUCCESS", result
    assert result["outputs"] == {
        "results": [
            {"namespace": "company.team", "flowId": "a", "count": 2},
            {"namespace": "company.team", "flowId": "none", "count": 0},
        ],
        "total": 2,
    }
    by_namespace = run(
        {
            "type": CORE + "execution.Count",
            "namespaces": ["company.team"],
            "states": ["SUCCESS"],
            "startDate": start,
            "expression": "{{ count > 1 }}",
        }
    )["outputs"]
    assert by_namespace == {
        "results": [{"namespace": "company.team", "flowId": None, "count": 2}],
        "total": 2,
    }
    refused = run({"type": CORE + "execution.Count", "startDate": start, "expression": "x"})
    assert refused["state"] == "FAILED"
    assert "flows or namespaces" in refused["error"]


def test_purge_executions_removes_rows_logs_and_files_in_range():
    old = execution("old", days=10)
    execution("recent", days=0)
    execution("running", state="RUNNING", days=10)
    execution("elsewhere", namespace="other", days=10)
    prefix = storage.execution_prefix(old.namespace, old.flow_id, old.id)
    storage.put(f"{prefix}/tasks/x/out.txt", "data")
    result = run(
        {
            "type": CORE + "execution.PurgeExecutions",
            "namespace": "company",
            "endDate": "{{ now() | dateAdd(-1, 'DAYS') }}",
        }
    )
    assert result["state"] == "SUCCESS", result
    assert result["outputs"] == {
        "executionsCount": 1,
        "logsCount": 2,
        "storagesCount": 1,
        "metricsCount": 0,
    }
    assert set(Execution.objects.values_list("id", flat=True)) == {
        "recent",
        "running",
        "elsewhere",
    }
    assert not storage.internal_storage().exists(f"{prefix}/tasks/x/out.txt")


def test_purge_logs_by_level_and_range():
    execution("e1", days=5)
    execution("e2", days=0)
    result = run(
        {
            "type": CORE + "log.PurgeLogs",
            "namespace": "company.team",
            "logLevels": ["DEBUG"],
            "endDate": (NOW - timedelta(days=1)).isoformat(),
        }
    )
    assert result["outputs"] == {"count": 1}
    assert LogEntry.objects.filter(level="DEBUG").count() == 1
    assert LogEntry.objects.count() == 3


TRIGGERED = """id: triggered
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
"""


def test_toggle_sets_the_trigger_state_without_a_new_revision():
    from django_celery_beat.models import PeriodicTask

    from scheduler.models import Trigger

    flow_services.flow_create(source=TRIGGERED)
    off = run({"type": CORE + "trigger.Toggle", "trigger": "daily"}, flow_id="triggered")
    assert off["state"] == "SUCCESS", off
    flow = Flow.objects.get(namespace="company.team", flow_id="triggered")
    assert flow.revision == 1 and "disabled" not in flow.source  # the source is untouched
    row = Trigger.objects.get(namespace="company.team", flow_id="triggered", trigger_id="daily")
    assert row.disabled and "trigger.Toggle" in row.disabled_reason
    assert not PeriodicTask.objects.get(name="kestra: company.team.triggered.daily").enabled
    on = run(
        {
            "type": CORE + "trigger.Toggle",
            "namespace": "company.team",
            "flowId": "triggered",
            "trigger": "daily",
            "enabled": True,
        }
    )
    assert on["state"] == "SUCCESS"
    assert not Trigger.objects.get(trigger_id="daily").disabled
    assert PeriodicTask.objects.get(name="kestra: company.team.triggered.daily").enabled
    assert Flow.objects.get(namespace="company.team", flow_id="triggered").revision == 1
    missing = run({"type": CORE + "trigger.Toggle", "trigger": "nope"}, flow_id="triggered")
    assert missing["state"] == "FAILED"
    assert "Unable to find trigger nope" in missing["error"]
    no_flow = run({"type": CORE + "trigger.Toggle", "flowId": "ghost", "trigger": "daily"})
    assert no_flow["state"] == "FAILED"
    assert "Unable to find flow company.team.ghost" in no_flow["error"]
