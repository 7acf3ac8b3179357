"""The execution API: create, read, search, delete; status codes, Kestra's shapes, validation."""

import pytest

from executions import services
from executions.models import Execution
from tests.executions.api.helpers import BASE, drive, failed_execution, make_flow

pytestmark = pytest.mark.django_db


def test_anonymous_requests_are_refused(anonymous):
    for method, url in [
        ("post", f"{BASE}/company.team/flaky"),
        ("get", f"{BASE}/search"),
        ("get", f"{BASE}/abc"),
        ("delete", f"{BASE}/abc/actions/kill"),
        ("post", f"{BASE}/abc/actions/restart"),
        ("get", f"{BASE}/abc/follow"),
        ("get", "/api/v1/main/logs/abc"),
        ("get", "/api/v1/main/logs/search"),
        ("get", "/api/v1/main/flows/a/b/graph"),
    ]:
        assert getattr(anonymous, method)(url).status_code in (401, 403), url


def test_create_with_multipart_inputs_and_labels(api):
    make_flow()
    response = api.post(
        f"{BASE}/company.team/flaky?labels=env:prod&labels=team:core",
        data={"count": "3"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"]["current"] == "CREATED"
    assert body["inputs"] == {"count": 3}
    assert body["flowRevision"] == 1 and body["deleted"] is False
    assert body["originalId"] == body["id"] and body["metadata"]["attemptNumber"] == 1
    labels = {item["key"]: item["value"] for item in body["labels"]}
    assert labels["env"] == "prod" and labels["team"] == "core"
    assert labels["system.correlationId"] == body["id"]
    assert body["url"].endswith(f"/ui/main/executions/company.team/flaky/{body['id']}")
    assert Execution.objects.filter(pk=body["id"]).exists()


def test_create_with_a_json_body(api):
    make_flow()
    response = api.post(f"{BASE}/company.team/flaky", data={"count": 7}, format="json")
    assert response.status_code == 200 and response.json()["inputs"] == {"count": 7}


def test_bad_input_is_a_422_naming_the_input_and_nothing_is_created(api):
    make_flow()
    response = api.post(f"{BASE}/company.team/flaky", data={"count": "many"}, format="multipart")
    assert response.status_code == 422
    paths = [e["path"] for e in response.json()["_embedded"]["errors"]]
    assert any(p.startswith("inputs.count") for p in paths), paths
    assert not Execution.objects.exists()


@pytest.mark.parametrize(
    ("query", "path"),
    [("revision=x", "revision"), ("labels=nocolon", "labels"), ("labels=system.x:1", "labels")],
)
def test_bad_query_parameters_are_422(api, query, path):
    make_flow()
    response = api.post(f"{BASE}/company.team/flaky?{query}")
    assert response.status_code == 422
    assert response.json()["_embedded"]["errors"][0]["path"] == path


def test_unknown_flow_and_execution_are_404(api):
    assert api.post(f"{BASE}/company.team/nope").status_code == 404
    assert api.get(f"{BASE}/nope").status_code == 404


def test_get_returns_kestra_execution_json(api):
    row = failed_execution()
    body = api.get(f"{BASE}/{row.id}").json()
    assert body["id"] == row.id and body["flowId"] == "flaky"
    assert body["state"]["current"] == "FAILED"
    assert body["state"]["duration"].startswith("PT")
    runs = {t["taskId"]: t for t in body["taskRunList"]}
    assert runs["boom"]["state"]["current"] == "FAILED"
    assert runs["boom"]["parentTaskRunId"] == runs["group"]["id"]
    assert runs["fine"]["outputs"] == {"value": "fine"}
    assert runs["boom"]["attempts"][0]["state"]["current"] == "FAILED"
    assert "flowable" not in runs["group"] and "workerGroup" not in runs["boom"]


def test_search_filters_and_pages(api):
    failed = failed_execution()
    services.execution_create(
        namespace="company.team", flow_id="flaky", labels=[{"key": "k", "value": "v"}]
    )
    every = api.get(f"{BASE}/search").json()
    assert every["total"] == 2
    assert api.get(f"{BASE}/search?state=FAILED").json()["results"][0]["id"] == failed.id
    assert api.get(f"{BASE}/search?namespace=company").json()["total"] == 2
    assert api.get(f"{BASE}/search?namespace=other").json()["total"] == 0
    assert api.get(f"{BASE}/search?labels=k:v").json()["total"] == 1
    assert api.get(f"{BASE}/search?filters[labels][EQUALS][k]=v").json()["total"] == 1
    assert api.get(f"{BASE}/search?filters[state][IN]=CREATED,FAILED").json()["total"] == 2
    assert api.get(f"{BASE}/search?filters[flowId][EQUALS]=flaky&size=1").json()["total"] == 2
    page = api.get(f"{BASE}/search?size=1&page=2&sort=state:asc").json()
    assert len(page["results"]) == 1 and page["results"][0]["id"] == failed.id
    assert api.get(f"{BASE}/search?startDate=2000-01-01T00:00:00Z").json()["total"] == 2
    assert api.get(f"{BASE}/search?state=NOPE").status_code == 422
    assert api.get(f"{BASE}/search?sort=nope:asc").status_code == 422
    by_flow = api.get(f"{BASE}?namespace=company.team&flowId=flaky").json()
    assert by_flow["total"] == 2
    assert api.get(f"{BASE}?flowId=flaky").status_code == 422


def test_delete_refuses_a_running_execution_and_deletes_a_terminated_one(api):
    failed = failed_execution()
    ok = services.execution_create(namespace="company.team", flow_id="flaky")
    assert drive(ok.id).state == "SUCCESS"
    make = services.execution_create(namespace="company.team", flow_id="flaky")
    assert api.delete(f"{BASE}/{make.id}").status_code == 409
    assert api.delete(f"{BASE}/{ok.id}?deleteLogs=true").status_code == 204
    assert api.delete(f"{BASE}/{failed.id}").status_code == 204
    assert not Execution.objects.filter(pk=failed.id).exists()
    assert api.delete(f"{BASE}/{failed.id}").status_code == 404
    bulk = api.delete(f"{BASE}/by-ids", data=[make.id], format="json")
    assert bulk.status_code == 422
    bulk = api.delete(f"{BASE}/by-ids?includeNonTerminated=true", data=[make.id], format="json")
    assert bulk.status_code == 200 and bulk.json() == {"count": 1}


def test_flow_of_an_execution(api):
    row = failed_execution()
    body = api.get(f"{BASE}/{row.id}/flow").json()
    assert body["id"] == "flaky" and body["revision"] == 1
    assert api.get(f"{BASE}/flows/company.team/flaky").json()["id"] == "flaky"
