"""Execution actions through the API: restart, replay, task-run state, labels, kill, resume."""

import pytest

from executions import services
from executions.models import Execution, LogEntry, TaskRun
from tests.executions.api.helpers import BASE, PAUSING, drive, failed_execution, make_flow

pytestmark = pytest.mark.django_db


def states(execution_id):
    return dict(TaskRun.objects.filter(execution_id=execution_id).values_list("task_id", "state"))


def test_restart_reruns_failed_task_runs_in_the_same_execution(api):
    row = failed_execution()
    assert states(row.id)["handler"] == "SUCCESS"
    response = api.post(f"{BASE}/{row.id}/actions/restart")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == row.id and body["state"]["current"] == "RUNNING"
    assert [h["state"] for h in body["state"]["histories"]][-3:] == [
        "FAILED",
        "RESTARTED",
        "RUNNING",
    ]
    assert body["metadata"]["attemptNumber"] == 2
    assert states(row.id) == {
        "first": "SUCCESS",
        "group": "RUNNING",
        "boom": "RESTARTED",
        "fine": "SUCCESS",
    }
    assert LogEntry.objects.filter(execution_id=row.id, message="Flow restarted").exists()
    assert api.post(f"{BASE}/{row.id}/actions/restart").status_code == 409
    done = drive(row.id)
    assert done.state == "SUCCESS"
    boom = TaskRun.objects.get(execution_id=row.id, task_id="boom")
    assert [a["state"]["current"] for a in boom.attempts] == ["FAILED", "SUCCESS"]
    assert list(
        TaskRun.objects.filter(execution_id=row.id)
        .order_by("position")
        .values_list("task_id", flat=True)
    ) == ["first", "group", "boom", "fine", "last"]


def test_restart_of_a_successful_execution_is_refused(api):
    make_flow()
    row = services.execution_create(namespace="company.team", flow_id="flaky")
    assert drive(row.id).state == "SUCCESS"
    response = api.post(f"{BASE}/{row.id}/actions/restart")
    assert response.status_code == 422
    assert "No task found" in response.json()["message"]
    assert api.post(f"{BASE}/nope/actions/restart").status_code == 404


def test_replay_from_a_task_run_makes_a_new_execution(api):
    row = failed_execution()
    boom = TaskRun.objects.get(execution_id=row.id, task_id="boom")
    response = api.post(f"{BASE}/{row.id}/actions/replay?taskRunId={boom.id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] != row.id
    assert body["originalId"] == row.id and body["parentId"] == row.id
    assert {t["taskId"]: t["state"]["current"] for t in body["taskRunList"]} == {
        "first": "SUCCESS",
        "group": "RUNNING",
        "boom": "RESTARTED",
    }
    assert Execution.objects.get(pk=row.id).state == "FAILED"
    assert drive(body["id"]).state == "SUCCESS"
    bad = api.post(f"{BASE}/{row.id}/actions/replay?taskRunId=nope")
    assert bad.status_code == 422
    assert bad.json()["_embedded"]["errors"][0]["path"] == "taskRunId"


def test_replay_from_scratch_and_with_new_inputs(api):
    row = failed_execution()
    body = api.post(f"{BASE}/{row.id}/actions/replay").json()
    assert body["state"]["current"] == "CREATED" and body["taskRunList"] == []
    again = api.post(
        f"{BASE}/{row.id}/actions/replay-with-inputs", data={"count": "9"}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["inputs"] == {"count": 9}
    bad = api.post(
        f"{BASE}/{row.id}/actions/replay-with-inputs", data={"count": "x"}, format="multipart"
    )
    assert bad.status_code == 422


def test_change_a_task_run_state(api):
    row = failed_execution()
    boom = TaskRun.objects.get(execution_id=row.id, task_id="boom")
    response = api.post(
        f"{BASE}/{row.id}/actions/state",
        data={"taskRunId": boom.id, "state": "SUCCESS"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"]["current"] == "RUNNING"
    assert drive(row.id).state == "SUCCESS"
    assert len(TaskRun.objects.get(pk=boom.id).attempts) == 1
    bad = api.post(
        f"{BASE}/{row.id}/actions/state",
        data={"taskRunId": boom.id, "state": "NOPE"},
        format="json",
    )
    assert bad.status_code == 422
    missing = api.post(f"{BASE}/{row.id}/actions/state", data={"state": "SUCCESS"}, format="json")
    assert missing.status_code == 422
    assert missing.json()["_embedded"]["errors"][0]["path"] == "taskRunId"


def test_set_labels_on_a_terminated_execution(api):
    row = failed_execution()
    url = f"{BASE}/{row.id}/actions/labels"
    response = api.post(url, data=[{"key": "reviewed", "value": "yes"}], format="json")
    assert response.status_code == 200
    labels = {x["key"]: x["value"] for x in response.json()["labels"]}
    assert labels["reviewed"] == "yes" and labels["system.correlationId"] == row.id
    assert api.post(url, data=[{"key": "system.x", "value": "1"}], format="json").status_code == 422
    assert api.post(url, data={"key": "a"}, format="json").status_code == 422
    running = services.execution_create(namespace="company.team", flow_id="flaky")
    running_url = f"{BASE}/{running.id}/actions/labels"
    assert api.post(running_url, data=[], format="json").status_code == 409


def test_kill_and_kill_by_ids(api):
    make_flow()
    row = services.execution_create(namespace="company.team", flow_id="flaky")
    drive(row.id, limit=0)
    response = api.delete(f"{BASE}/{row.id}/actions/kill")
    assert response.status_code == 202
    assert response.json()["state"]["current"] in ("KILLING", "KILLED")
    other = services.execution_create(namespace="company.team", flow_id="flaky")
    bulk = api.delete(f"{BASE}/kill/by-ids", data=[other.id], format="json")
    assert bulk.status_code == 200 and bulk.json() == {"count": 1}


def test_pause_and_resume_with_on_resume_inputs(api):
    make_flow(PAUSING)
    row = services.execution_create(namespace="company.team", flow_id="pausing")
    assert drive(row.id).state == "PAUSED"
    url = f"{BASE}/{row.id}/actions/resume"
    bad = api.post(url, data={"approved": "true", "score": "high"}, format="multipart")
    assert bad.status_code == 422, bad.content
    assert bad.json()["_embedded"]["errors"][0]["path"].startswith("inputs.score")
    assert api.post(f"{BASE}/{row.id}/actions/pause").status_code == 422
    response = api.post(url, data={"approved": "true", "score": "41"}, format="multipart")
    assert response.status_code == 200, response.content
    wait = TaskRun.objects.get(execution_id=row.id, task_id="wait")
    assert wait.outputs == {"onResume": {"approved": True, "score": 41}}
    done = drive(row.id)
    assert done.state == "SUCCESS"
    after = TaskRun.objects.get(execution_id=row.id, task_id="after")
    assert after.state == "SUCCESS"


def test_eval_an_expression(api):
    row = failed_execution()
    url = f"{BASE}/{row.id}/actions/eval"
    response = api.post(url, data="{{ inputs.count + 1 }}", content_type="text/plain")
    assert response.status_code == 200 and response.json() == {"result": "2"}
    broken = api.post(url, data="{{ nope( }}", content_type="text/plain").json()
    assert "error" in broken
    fine = TaskRun.objects.get(execution_id=row.id, task_id="fine")
    task = api.post(f"{url}/{fine.id}", data="{{ taskrun.id }}", content_type="text/plain")
    assert task.json() == {"result": fine.id}
