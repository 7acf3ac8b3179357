"""The Triggers API, on Kestra's paths and shapes, for schedule and polling rows alike."""

import pytest
from django_celery_beat.models import PeriodicTask

from executions.models import Execution
from flows import services
from scheduler.models import Trigger

pytestmark = pytest.mark.django_db

BASE = "/api/v1/main/triggers"
SOURCE = """id: {flow}
namespace: {namespace}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
    stopAfter: [FAILED]
  - id: listen
    type: io.kestra.plugin.core.trigger.Flow
"""
T = {"namespace": "company.team", "flowId": "alpha", "triggerId": "nightly"}
NAME = "kestra: company.team.alpha.nightly"


@pytest.fixture
def flows():
    services.flow_create(source=SOURCE.format(flow="alpha", namespace="company.team"))
    services.flow_create(source=SOURCE.format(flow="beta", namespace="company.team"))
    services.flow_create(source=SOURCE.format(flow="gamma", namespace="other"))
    # a polling trigger's row (scheduler/polling.py keeps those): listed and acted on too
    Trigger.objects.update_or_create(
        namespace="other",
        flow_id="gamma",
        trigger_id="poll",
        defaults={"type": "io.kestra.plugin.core.http.Trigger", "execution_id": "ex-1"},
    )


def test_login_required(anonymous):
    assert anonymous.get(f"{BASE}/search").status_code in (401, 403)
    assert anonymous.put(BASE, T, format="json").status_code in (401, 403)


def test_search_with_paging_filters_and_sort(api, flows):
    body = api.get(f"{BASE}/search", {"size": 2, "sort": "flowId:desc"}).json()
    assert body["total"] == 4
    first = body["results"][0]
    assert first["triggerContext"]["flowId"] == "gamma"
    assert set(first) == {"abstractTrigger", "triggerContext"}
    page2 = api.get(f"{BASE}/search", {"size": 2, "page": 2, "sort": "flowId:desc"}).json()
    assert [r["triggerContext"]["flowId"] for r in page2["results"]] == ["beta", "alpha"]
    alpha = api.get(f"{BASE}/search", {"q": "alph"}).json()
    assert alpha["total"] == 1
    result = alpha["results"][0]
    assert result["abstractTrigger"]["cron"] == "0 2 * * *"
    context = result["triggerContext"]
    assert context["nextExecutionDate"].endswith("Z") and context["disabled"] is False
    assert context["stopAfter"] == ["FAILED"]
    assert api.get(f"{BASE}/search", {"namespace": "other"}).json()["total"] == 2
    assert api.get(f"{BASE}/search", {"flowId": "beta"}).json()["total"] == 1
    bad = api.get(f"{BASE}/search", {"sort": "nope:asc"})
    assert bad.status_code == 422 and bad.json()["_embedded"]["errors"][0]["path"] == "sort"
    assert api.get(f"{BASE}/search", {"size": 0}).status_code == 422


def test_flow_triggers(api, flows):
    body = api.get(f"{BASE}/other/gamma").json()
    assert body["total"] == 2
    assert {t["triggerId"] for t in body["results"]} == {"nightly", "poll"}
    assert api.get(f"{BASE}/company.team/nope").json() == {"results": [], "total": 0}


def test_update_disables_and_enables_without_a_revision(api, flows):
    response = api.put(BASE, {**T, "disabled": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["disabled"] is True
    assert response.json()["disabledReason"] == "disabled through the API"
    assert not PeriodicTask.objects.get(name=NAME).enabled
    assert api.get("/api/v1/main/flows/company.team/alpha").json()["revision"] == 1
    assert api.put(BASE, T, format="json").json()["disabled"] is False  # absent: false
    assert PeriodicTask.objects.get(name=NAME).enabled


@pytest.mark.parametrize(
    ("body", "status", "path"),
    [
        ({**T, "disabled": "yes"}, 422, "disabled"),
        ({"namespace": "company.team", "flowId": "alpha"}, 422, "triggerId"),
        ([T], 422, "body"),
        ({**T, "backfill": {"end": "2026-01-01T00:00:00Z"}}, 422, "backfill.start"),
        (
            {**T, "backfill": {"start": "2026-01-02T00:00:00Z", "end": "2026-01-01"}},
            422,
            "backfill.end",
        ),
        ({**T, "triggerId": "listen", "backfill": {"start": "2026-01-01T00:00:00Z"}}, 404, None),
        ({**T, "flowId": "ghost"}, 404, None),
        ({**T, "triggerId": "ghost"}, 404, None),
    ],
)
def test_update_refuses_bad_input(api, flows, body, status, path):
    response = api.put(BASE, body, format="json")
    assert response.status_code == status, response.json()
    if path:
        assert [e["path"] for e in response.json()["_embedded"]["errors"]] == [path]
    assert (
        Trigger.objects.get(
            namespace="company.team", flow_id="alpha", trigger_id="nightly"
        ).backfill
        is None
    )


def test_backfill_create_pause_unpause_delete(api, flows):
    backfill = {
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-03T00:00:00Z",
        "inputs": {},
        "labels": [{"key": "k", "value": "v"}],
    }
    created = api.put(BASE, {**T, "backfill": backfill}, format="json").json()
    assert created["backfill"]["currentDate"] == "2026-01-01T00:00:00Z"
    assert created["backfill"]["paused"] is False
    task = PeriodicTask.objects.get(name=f"{NAME} (backfill)")
    assert task.enabled and task.task == "scheduler.backfill"
    paused = api.put(f"{BASE}/backfill/pause", T, format="json")
    assert paused.status_code == 200 and paused.json()["backfill"]["paused"] is True
    unpaused = api.put(f"{BASE}/backfill/unpause", T, format="json").json()
    assert unpaused["backfill"]["paused"] is False
    deleted = api.post(f"{BASE}/backfill/delete", T, format="json").json()
    assert deleted["backfill"] is None
    again = api.post(f"{BASE}/backfill/delete", T, format="json")
    assert again.status_code == 422
    assert again.json()["_embedded"]["errors"][0]["path"] == "backfill"
    missing = api.put(f"{BASE}/backfill/pause", {**T, "triggerId": "ghost"}, format="json")
    assert missing.status_code == 404
    bad = api.put(f"{BASE}/backfill/pause", {"namespace": "company.team"}, format="json")
    assert bad.status_code == 422 and bad.json()["_embedded"]["errors"][0]["path"] == "flowId"


def test_backfill_bulk(api, flows):
    backfill = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}
    api.put(BASE, {**T, "backfill": backfill}, format="json")
    beta = {**T, "flowId": "beta"}
    # beta has no backfill: skipped, not an error (Kestra's bulk rule)
    body = api.post(f"{BASE}/backfill/pause/by-triggers", [T, beta], format="json").json()
    assert body == {"count": 1}
    assert api.post(
        f"{BASE}/backfill/unpause/by-query?namespace=company", format="json"
    ).json() == {"count": 1}
    assert api.post(f"{BASE}/backfill/delete/by-triggers", [T], format="json").json() == {
        "count": 1
    }
    bad = api.post(f"{BASE}/backfill/delete/by-triggers", [{"namespace": "x"}], format="json")
    assert bad.status_code == 422
    assert bad.json()["_embedded"]["errors"][0]["path"] == "[0].flowId"


def test_unlock_and_restart(api, flows):
    poll = {"namespace": "other", "flowId": "gamma", "triggerId": "poll"}
    unlocked = api.post(f"{BASE}/other/gamma/poll/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["executionId"] is None
    again = api.post(f"{BASE}/other/gamma/poll/unlock")
    assert again.status_code == 409 and again.json()["message"] == "Trigger is not locked"
    assert api.post(f"{BASE}/other/gamma/ghost/unlock").status_code == 404
    Trigger.objects.filter(trigger_id="poll").update(execution_id="ex-2")
    Trigger.objects.filter(flow_id="beta").update(execution_id="ex-3")
    body = api.post(f"{BASE}/unlock/by-triggers", [poll, T], format="json").json()
    assert body == {"count": 1}  # alpha was not locked: skipped
    assert api.post(f"{BASE}/unlock/by-query?q=beta").json() == {"count": 1}
    from django.utils import timezone

    Trigger.objects.filter(trigger_id="poll").update(evaluating_since=timezone.now())
    restarted = api.post(f"{BASE}/other/gamma/poll/restart")
    assert restarted.status_code == 200 and restarted.json()["evaluateRunningDate"] is None
    assert api.post(f"{BASE}/other/gamma/ghost/restart").status_code == 404


def test_set_disabled_bulk(api, flows):
    poll = {"namespace": "other", "flowId": "gamma", "triggerId": "poll"}
    body = {"triggers": [T, poll], "disabled": True}
    assert api.post(f"{BASE}/set-disabled/by-triggers", body, format="json").json() == {"count": 2}
    assert Trigger.objects.get(trigger_id="poll").disabled
    assert not PeriodicTask.objects.get(name=NAME).enabled
    bad = api.post(f"{BASE}/set-disabled/by-triggers", {"triggers": [T]}, format="json")
    assert bad.status_code == 422 and bad.json()["_embedded"]["errors"][0]["path"] == "disabled"
    bad = api.post(
        f"{BASE}/set-disabled/by-triggers", {"triggers": "x", "disabled": True}, format="json"
    )
    assert bad.json()["_embedded"]["errors"][0]["path"] == "triggers"
    enabled = api.post(f"{BASE}/set-disabled/by-query?namespace=company&disabled=false").json()
    assert enabled == {"count": 2}
    assert PeriodicTask.objects.get(name=NAME).enabled
    bad = api.post(f"{BASE}/set-disabled/by-query?disabled=maybe")
    assert bad.status_code == 422 and bad.json()["_embedded"]["errors"][0]["path"] == "disabled"
    assert not Execution.objects.exists()


def test_openapi_lists_the_triggers_api(api):
    schema = api.get("/api/v1/openapi.json?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/main/triggers",
        "/api/v1/main/triggers/search",
        "/api/v1/main/triggers/{namespace}/{flow_id}",
        "/api/v1/main/triggers/{namespace}/{flow_id}/{trigger_id}/unlock",
        "/api/v1/main/triggers/{namespace}/{flow_id}/{trigger_id}/restart",
        "/api/v1/main/triggers/backfill/pause",
        "/api/v1/main/triggers/backfill/unpause",
        "/api/v1/main/triggers/backfill/delete",
        "/api/v1/main/triggers/set-disabled/by-triggers",
    ):
        assert path in paths, path
    assert paths["/api/v1/main/triggers/search"]["get"]["operationId"] == "searchTriggers"
