"""The execution admin: lists and filters load, actions call the same services as the API."""

import pytest

from executions.models import Execution, TaskRun
from tests.executions.api.helpers import failed_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


def test_changelists_and_detail_load(staff):
    row = failed_execution()
    for url in [
        "/admin/executions/execution/?state__exact=FAILED",
        f"/admin/executions/execution/{row.id}/change/",
        "/admin/executions/taskrun/",
        "/admin/executions/logentry/?level__exact=ERROR",
    ]:
        assert staff.get(url).status_code == 200, url


def test_restart_and_replay_actions(staff):
    row = failed_execution()
    url = "/admin/executions/execution/"
    staff.post(url, {"action": "restart", "_selected_action": [row.id]})
    assert Execution.objects.get(pk=row.id).state == "RUNNING"
    assert TaskRun.objects.get(execution=row, task_id="boom").state == "RESTARTED"
    staff.post(url, {"action": "replay", "_selected_action": [row.id]})  # refused: running
    assert Execution.objects.count() == 1
    staff.post(url, {"action": "kill", "_selected_action": [row.id]})
    assert Execution.objects.get(pk=row.id).state in ("KILLING", "KILLED")
