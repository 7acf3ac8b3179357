"""The flow API: status codes, Kestra's shapes, authentication, validation errors."""

import pytest

from flows.models import Flow
from tests.flows.factories import flow_source

pytestmark = pytest.mark.django_db
BASE = "/api/v1/main/flows"
YAML = "application/x-yaml"


def create(api, source):
    return api.post(BASE, data=source, content_type=YAML)


def test_anonymous_requests_are_refused(anonymous):
    for method, url in [
        ("get", f"{BASE}/search"),
        ("post", BASE),
        ("get", f"{BASE}/a/b"),
        ("post", f"{BASE}/validate"),
        ("get", "/api/v1/main/plugins/schemas/flow"),
        ("get", "/api/v1/openapi.json"),
    ]:
        response = getattr(anonymous, method)(url)
        assert response.status_code in (401, 403), url


def test_health_needs_no_login(anonymous):
    response = anonymous.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "UP"


def test_create_get_update_delete(api):
    source = flow_source()
    created = create(api, source)
    assert created.status_code == 200, created.content
    body = created.json()
    assert body["id"] == "hello" and body["namespace"] == "company.team"
    assert body["revision"] == 1 and body["source"] == source and body["deleted"] is False
    assert body["tasks"][0] == {
        "id": "say",
        "type": "io.kestra.plugin.core.log.Log",
        "message": "Hello",
    }

    got = api.get(f"{BASE}/company.team/hello").json()
    assert "source" not in got and got["revision"] == 1
    assert api.get(f"{BASE}/company.team/hello?source=true").json()["source"] == source

    updated = api.put(
        f"{BASE}/company.team/hello", data=flow_source(message="Bye"), content_type=YAML
    )
    assert updated.status_code == 200 and updated.json()["revision"] == 2
    rev1 = api.get(f"{BASE}/company.team/hello?revision=1&source=true").json()
    assert rev1["source"] == source
    revisions = api.get(f"{BASE}/company.team/hello/revisions").json()
    assert [r["revision"] for r in revisions] == [1, 2]

    assert api.delete(f"{BASE}/company.team/hello").status_code == 204
    assert api.get(f"{BASE}/company.team/hello").status_code == 404
    assert api.get(f"{BASE}/company.team/hello?allowDeleted=true").json()["deleted"] is True


def test_invalid_flow_is_422_naming_the_field_and_line(api):
    source = (
        "id: hello\nnamespace: company.team\ntasks:\n  - id: t\n"
        "    type: io.kestra.plugin.core.debug.Return\n    format: x\n    invalid: 1\n"
    )
    response = create(api, source)
    assert response.status_code == 422
    body = response.json()
    errors = body["_embedded"]["errors"]
    assert errors[0]["path"].startswith("tasks[0]")
    assert errors[0]["line"] is not None
    assert "invalid" in body["message"]
    assert not Flow.objects.exists()


def test_malformed_yaml_and_empty_body(api):
    response = create(api, "id: [unclosed\n")
    assert response.status_code == 422
    assert response.json()["_embedded"]["errors"][0]["line"] is not None
    assert create(api, "").status_code == 422


def test_json_body_is_refused_with_a_clear_message(api):
    response = api.post(BASE, data={"id": "x"}, format="json")
    assert response.status_code == 422
    assert "application/x-yaml" in response.json()["message"]


def test_conflict_and_identity_change(api):
    create(api, flow_source())
    assert create(api, flow_source()).status_code == 422  # as Kestra: "Flow id already exists"
    response = api.put(
        f"{BASE}/company.team/hello", data=flow_source(flow_id="x"), content_type=YAML
    )
    assert response.status_code == 422 and "Illegal flow id update" in response.json()["message"]
    assert (
        api.put(
            f"{BASE}/company.team/missing", data=flow_source(flow_id="missing"), content_type=YAML
        ).status_code
        == 404
    )


def test_search_both_parameter_styles(api):
    for i in range(3):
        create(
            api,
            flow_source(f"f{i}", "company.team", extra="labels:\n  env: prod\n" if i == 1 else ""),
        )
    create(api, flow_source("z", "other"))
    legacy = api.get(f"{BASE}/search?namespace=company&size=2&page=1&sort=id:desc").json()
    assert legacy["total"] == 3 and [f["id"] for f in legacy["results"]] == ["f2", "f1"]
    new = api.get(
        f"{BASE}/search",
        {"filters[namespace][PREFIX]": "company", "filters[labels][EQUALS][env]": "prod"},
    ).json()
    assert [f["id"] for f in new["results"]] == ["f1"]
    assert api.get(f"{BASE}/search?q=z").json()["total"] == 1
    assert api.get(f"{BASE}/search?labels=env:prod").json()["total"] == 1
    bad = api.get(f"{BASE}/search?size=abc")
    assert bad.status_code == 422 and bad.json()["_embedded"]["errors"][0]["path"] == "size"
    assert api.get(f"{BASE}/search?sort=nope:asc").status_code == 422


def test_validate_multi_document(api):
    body = flow_source("ok") + "---\n" + "id: bad\nnamespace: company.team\ntasks: []\n"
    response = api.post(f"{BASE}/validate", data=body, content_type=YAML)
    assert response.status_code == 200
    results = response.json()
    assert [r["index"] for r in results] == [0, 1]
    assert results[0]["constraints"] is None and results[0]["flow"] == "ok"
    assert "must not be empty" in results[1]["constraints"]
    assert results[1]["flow"] == "bad" and results[1]["namespace"] == "company.team"
    assert not Flow.objects.exists()


def test_bulk_and_namespace_update(api):
    create(api, flow_source("old", "company.team"))
    body = flow_source("a", "company.team") + "---\n" + flow_source("b", "company.team")
    response = api.post(f"{BASE}/bulk?delete=true", data=body, content_type=YAML)
    assert response.status_code == 200, response.content
    assert sorted(f["id"] for f in response.json()) == ["a", "b"]
    assert api.get(f"{BASE}/company.team/old").status_code == 404
    listed = api.get(f"{BASE}/company.team").json()
    assert [f["id"] for f in listed] == ["a", "b"]
    response = api.post(
        f"{BASE}/company.team?delete=false",
        data=flow_source("c", "company.team"),
        content_type=YAML,
    )
    assert response.status_code == 200
    assert len(api.get(f"{BASE}/company.team").json()) == 3


def test_distinct_namespaces_and_bulk_toggles(api):
    create(api, flow_source("a", "company.team"))
    create(api, flow_source("b", "company.ops"))
    assert api.get(f"{BASE}/distinct-namespaces").json() == ["company.ops", "company.team"]
    ids = [{"namespace": "company.team", "id": "a"}]
    assert api.post(f"{BASE}/disable/by-ids", ids, format="json").json() == {"count": 1}
    assert api.get(f"{BASE}/company.team/a").json()["disabled"] is True
    api.post(f"{BASE}/enable/by-ids", ids, format="json")
    assert api.get(f"{BASE}/company.team/a").json()["disabled"] is False
    bad = api.post(f"{BASE}/disable/by-ids", [{"namespace": "x"}], format="json")
    assert bad.status_code == 422 and "id" in bad.json()["_embedded"]["errors"][0]["path"]
    assert api.delete(f"{BASE}/delete/by-ids", ids, format="json").json() == {"count": 1}


def test_flow_json_schema(api):
    schema = api.get("/api/v1/main/plugins/schemas/flow").json()
    text = str(schema)
    assert "io.kestra.plugin.core.log.Log" in text and "io.kestra.plugin.core.flow.Parallel" in text
    assert api.get("/api/v1/plugins/schemas/flow").status_code == 200
    assert api.get("/api/v1/plugins/schemas/nope").status_code == 422


def test_token_authentication(db, user, anonymous):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert anonymous.get(f"{BASE}/search").status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer wrong")
    assert anonymous.get(f"{BASE}/search").status_code == 401


def test_openapi_and_swagger_are_served_without_cdn(api, client, user, password):
    schema = api.get("/api/v1/openapi.json?format=json")
    assert schema.status_code == 200
    assert "/api/v1/main/flows" in schema.content.decode()
    client.login(username=user.username, password=password)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "https://" not in page
