"""Trigger state kept by the executor: the lock is released when the execution ends, and
`stopAfter` disables the trigger (Kestra's resetExecution), with no new flow revision."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from executions import services as execution_services
from executions.models import Execution
from flows import services
from flows.models import Flow
from scheduler import actions
from scheduler.models import Trigger
from scheduler.services import trigger_fire
from tests.executions.api.helpers import drive

pytestmark = pytest.mark.django_db

SOURCE = """id: stopping
namespace: company.team
tasks:
  - id: work
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
triggers:
  - id: minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
    stopAfter:
      - FAILED
"""
KEY = {"namespace": "company.team", "flow_id": "stopping", "trigger_id": "minute"}
NAME = "kestra: company.team.stopping.minute"


def at(minute: int, second: int = 1) -> datetime:
    return datetime(2026, 1, 1, 9, minute, second, tzinfo=UTC)


@pytest.fixture
def trigger():
    services.flow_create(source=SOURCE)
    Trigger.objects.filter(**KEY).update(next_date=at(0, 0))
    return Trigger.objects.get(**KEY)


def test_success_unlocks_and_keeps_the_trigger(trigger):
    run = trigger_fire(**KEY, now=at(0))[0]
    assert Trigger.objects.get(**KEY).locked
    assert drive(run.execution_id).state == "SUCCESS"
    row = Trigger.objects.get(**KEY)
    assert row.execution_id == "" and not row.disabled  # unlocked at the end
    assert PeriodicTask.objects.get(name=NAME).enabled
    assert len(trigger_fire(**KEY, now=at(1))) == 1


def test_failed_execution_disables_the_trigger_through_stop_after(trigger):
    run = trigger_fire(**KEY, now=at(0))[0]
    assert drive(run.execution_id, fail=("work",)).state == "FAILED"
    row = Trigger.objects.get(**KEY)
    assert row.disabled and not row.source_disabled
    assert row.disabled_reason == f"stopAfter: execution {run.execution_id} ended FAILED"
    assert not PeriodicTask.objects.get(name=NAME).enabled
    assert trigger_fire(**KEY, now=at(1)) == []  # a tick that still comes fires nothing
    flow = Flow.objects.get(namespace="company.team", flow_id="stopping")
    assert flow.revision == 1  # no new revision
    # a flow save keeps it disabled (Kestra keeps the trigger context's flag) ...
    services.flow_update(
        namespace="company.team", flow_id="stopping", source=SOURCE + "description: x\n"
    )
    assert Trigger.objects.get(**KEY).disabled
    # ... until the API enables it; the minutes missed meanwhile are recovered (ALL)
    actions.trigger_set_disabled(*KEY.values(), disabled=False)
    Trigger.objects.filter(**KEY).update(next_date=at(1, 0))
    assert [r.scheduled_date.minute for r in trigger_fire(**KEY, now=at(3))] == [1, 2, 3]


def test_executions_without_a_trigger_row_cost_no_scheduler_query(trigger):
    execution = execution_services.execution_create(namespace="company.team", flow_id="stopping")
    with CaptureQueriesContext(connection) as queries:
        drive(execution.id, fail=("work",))
    assert not [q for q in queries.captured_queries if "scheduler_trigger" in q["sql"]]
    assert not Trigger.objects.get(**KEY).disabled  # not a triggered execution: no stopAfter
    # a Flow-trigger execution (no Trigger row) costs none either
    flow_triggered = execution_services.execution_create(
        namespace="company.team",
        flow_id="stopping",
        trigger={"id": "minute", "type": "io.kestra.plugin.core.trigger.Flow", "variables": {}},
    )
    with CaptureQueriesContext(connection) as queries:
        drive(flow_triggered.id, fail=("work",))
    assert not [q for q in queries.captured_queries if "scheduler_trigger" in q["sql"]]
    assert Execution.objects.get(id=flow_triggered.id).state == "FAILED"
    # nor a Subflow child (its trigger id is the parent's task run, not one of the flow's)
    child = execution_services.execution_create(
        namespace="company.team",
        flow_id="stopping",
        trigger={"id": "tr-1", "type": "io.kestra.plugin.core.flow.Subflow", "variables": {}},
    )
    with CaptureQueriesContext(connection) as queries:
        drive(child.id, fail=("work",))
    assert not [q for q in queries.captured_queries if "scheduler_trigger" in q["sql"]]


def test_a_polling_row_is_unlocked_and_stopped_too():
    source = (
        SOURCE.replace("id: stopping", "id: polled")  # (the executor caches plans per id)
        + """  - id: poll
    type: io.kestra.plugin.core.http.Trigger
    uri: http://127.0.0.1:1/
    stopAfter: [SUCCESS]
"""
    )
    services.flow_create(source=source)
    # the row of a polling trigger (kept by scheduler/polling.py)
    row, _ = Trigger.objects.get_or_create(
        namespace="company.team",
        flow_id="polled",
        trigger_id="poll",
        defaults={"type": "io.kestra.plugin.core.http.Trigger"},
    )
    execution = execution_services.execution_create(
        namespace="company.team",
        flow_id="polled",
        trigger={"id": "poll", "type": row.type, "variables": {}},
    )
    Trigger.objects.filter(pk=row.pk).update(execution_id=execution.id)
    assert drive(execution.id).state == "SUCCESS"
    row.refresh_from_db()
    assert row.disabled and row.execution_id == ""
