"""Admin pages of the scheduler: trigger state with its actions, fired dates, and beat's
PeriodicTask list with the scheduler's own rows marked and read-only."""

import pytest
from django_celery_beat.models import PeriodicTask

from flows import services
from scheduler.models import Trigger

pytestmark = pytest.mark.django_db

SOURCE = """id: nightly
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: every
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
"""


@pytest.fixture
def row():
    services.flow_create(source=SOURCE)
    return Trigger.objects.get(trigger_id="every")


def test_lists_render(admin_client, row):
    Trigger.objects.filter(pk=row.pk).update(
        backfill={"currentDate": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}
    )
    page = admin_client.get("/admin/scheduler/trigger/")
    assert page.status_code == 200
    assert b"running: 2026-01-01T00:00:00Z" in page.content
    assert admin_client.get(f"/admin/scheduler/trigger/{row.pk}/change/").status_code == 200
    assert admin_client.get("/admin/scheduler/scheduledrun/").status_code == 200
    tasks = admin_client.get("/admin/django_celery_beat/periodictask/?owner=system")
    assert tasks.status_code == 200 and b"kestra: company.team.nightly.every" in tasks.content


def test_actions_disable_enable_unlock(admin_client, row):
    url = "/admin/scheduler/trigger/"
    admin_client.post(url, {"action": "disable", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.disabled and row.disabled_reason.startswith("disabled in the admin")
    assert not PeriodicTask.objects.get(name="kestra: company.team.nightly.every").enabled
    admin_client.post(url, {"action": "enable", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert not row.disabled
    Trigger.objects.filter(pk=row.pk).update(execution_id="ex-1")
    admin_client.post(url, {"action": "unlock", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.execution_id == ""


def test_system_periodic_task_cannot_be_edited(admin_client, row):
    task = PeriodicTask.objects.get(name="kestra: company.team.nightly.every")
    page = admin_client.post(
        f"/admin/django_celery_beat/periodictask/{task.pk}/change/", {"name": "hijacked"}
    )
    assert page.status_code == 403
    task.refresh_from_db()
    assert task.name == "kestra: company.team.nightly.every"
    assert task.description.startswith("System task")
