"""Flow writes keep the Trigger and PeriodicTask rows of Schedule triggers in step."""

import json

import pytest
from django_celery_beat.models import PeriodicTask

from flows import services
from scheduler.models import Trigger

pytestmark = pytest.mark.django_db

NAME = "kestra: company.team.nightly.every"


def source(cron="0 2 * * *", extra="", trigger_extra="") -> str:
    return f"""id: nightly
namespace: company.team
{extra}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: every
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "{cron}"
    timezone: Europe/Paris
{trigger_extra}"""


def test_save_creates_a_crontab_periodic_task_in_the_trigger_timezone():
    flow = services.flow_create(source=source())
    task = PeriodicTask.objects.get(name=NAME)
    assert task.task == "scheduler.fire"
    assert task.queue == "executor"
    assert task.enabled
    assert json.loads(task.kwargs) == {
        "namespace": "company.team",
        "flow_id": "nightly",
        "trigger_id": "every",
    }
    assert (task.crontab.minute, task.crontab.hour) == ("0", "2")
    assert str(task.crontab.timezone) == "Europe/Paris"
    row = Trigger.objects.get(namespace="company.team", flow_id="nightly", trigger_id="every")
    assert row.flow_revision == flow.revision
    assert row.next_date is not None


def test_seconds_cron_ticks_every_second_and_updates_follow():
    services.flow_create(source=source())
    services.flow_update(
        namespace="company.team",
        flow_id="nightly",
        source=source(cron="*/10 * * * * *", trigger_extra="    withSeconds: true\n"),
    )
    task = PeriodicTask.objects.get(name=NAME)
    assert task.crontab is None
    assert (task.interval.every, task.interval.period) == (1, "seconds")
    assert Trigger.objects.get(trigger_id="every").flow_revision == 2


def test_disable_enable_and_delete():
    services.flow_create(source=source())
    services.flow_set_disabled(namespace="company.team", flow_id="nightly", disabled=True)
    assert not PeriodicTask.objects.get(name=NAME).enabled
    row = Trigger.objects.get(trigger_id="every")
    assert row.source_disabled and not row.disabled  # the source says so, not the API
    services.flow_set_disabled(namespace="company.team", flow_id="nightly", disabled=False)
    assert PeriodicTask.objects.get(name=NAME).enabled
    services.flow_set_trigger_disabled(
        namespace="company.team", flow_id="nightly", trigger_id="every", disabled=True
    )
    assert not PeriodicTask.objects.get(name=NAME).enabled
    services.flow_delete(namespace="company.team", flow_id="nightly")
    assert not PeriodicTask.objects.filter(name=NAME).exists()
    assert not Trigger.objects.exists()


def test_removed_trigger_loses_its_rows():
    services.flow_create(source=source())
    no_trigger = source().split("triggers:")[0]
    services.flow_update(namespace="company.team", flow_id="nightly", source=no_trigger)
    assert not PeriodicTask.objects.filter(name__startswith="kestra: company.team").exists()
    assert not Trigger.objects.exists()


def test_bulk_namespace_delete_removes_schedules():
    services.flow_create(source=source())
    services.flows_update_namespace(namespace="company.team", source="", delete=True)
    assert not PeriodicTask.objects.filter(name=NAME).exists()


def test_failing_save_leaves_no_rows(monkeypatch):
    real = services.triggers_sync

    def sync_then_fail(flow):
        real(flow)
        raise RuntimeError("boom after the sync")

    monkeypatch.setattr(services, "triggers_sync", sync_then_fail)
    with pytest.raises(RuntimeError):
        services.flow_create(source=source())
    assert not PeriodicTask.objects.filter(name=NAME).exists()
    assert not Trigger.objects.exists()


def test_a_flow_save_keeps_a_trigger_disabled_through_the_api_as_kestra_does():
    from scheduler import actions

    services.flow_create(source=source())
    actions.trigger_set_disabled("company.team", "nightly", "every", disabled=True, reason="ops")
    assert not PeriodicTask.objects.get(name=NAME).enabled
    services.flow_update(
        namespace="company.team", flow_id="nightly", source=source(cron="0 3 * * *")
    )
    row = Trigger.objects.get(trigger_id="every")
    assert row.disabled and row.disabled_reason == "ops" and not row.source_disabled
    assert not PeriodicTask.objects.get(name=NAME).enabled  # effective state: still off
    actions.trigger_set_disabled("company.team", "nightly", "every", disabled=False)
    assert PeriodicTask.objects.get(name=NAME).enabled
    # disabled in the source and through the API: both must clear before it runs again
    services.flow_set_disabled(namespace="company.team", flow_id="nightly", disabled=True)
    actions.trigger_set_disabled("company.team", "nightly", "every", disabled=True)
    services.flow_set_disabled(namespace="company.team", flow_id="nightly", disabled=False)
    assert not PeriodicTask.objects.get(name=NAME).enabled


def test_system_periodic_tasks_say_so_and_are_read_only_in_the_admin(rf, admin_user):
    from django.contrib import admin as django_admin

    services.flow_create(source=source())
    task = PeriodicTask.objects.get(name=NAME)
    assert task.description.startswith("System task")
    model_admin = django_admin.site._registry[PeriodicTask]
    request = rf.get("/admin/")
    request.user = admin_user
    assert not model_admin.has_change_permission(request, task)
    assert not model_admin.has_delete_permission(request, task)
    mine = PeriodicTask.objects.create(
        name="my own", task="x", interval=task.interval or None, crontab=task.crontab
    )
    assert model_admin.has_change_permission(request, mine)
