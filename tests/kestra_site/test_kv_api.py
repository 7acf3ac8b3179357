"""The KV API on Kestra's paths, directly and through kestrapy."""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage

BASE = "/api/v1/main/namespaces/company.team/kv"


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    from kestra_site import storage

    backend = FileSystemStorage(location=str(tmp_path / "storage"))
    monkeypatch.setattr(storage, "internal_storage", lambda: backend)
    return backend


def put(api, key: str, body: str, content_type: str = "text/plain", **headers):
    return api.put(f"{BASE}/{key}", data=body, content_type=content_type, **headers)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ('"hello"', "application/json", {"type": "STRING", "value": "hello"}),
        ("plain text", "text/plain", {"type": "STRING", "value": "plain text"}),
        ("42", "text/plain", {"type": "NUMBER", "value": 42}),
        ("true", "application/json", {"type": "BOOLEAN", "value": True}),
        ('{"a": [1, 2]}', "application/json", {"type": "JSON", "value": {"a": [1, 2]}}),
        ("2024-05-01", "text/plain", {"type": "DATE", "value": "2024-05-01"}),
        (
            "2024-05-01T10:00:00Z",
            "text/plain",
            {"type": "DATETIME", "value": "2024-05-01T10:00:00.000Z"},
        ),
        ('"PT5M"', "application/json", {"type": "DURATION", "value": "PT5M"}),
    ],
)
def test_put_then_get_typed(api, body, content_type, expected) -> None:
    assert put(api, "k", body, content_type).status_code == 200
    response = api.get(f"{BASE}/k")
    assert response.status_code == 200 and response.json() == expected


def test_list_delete_and_errors(api) -> None:
    put(api, "a", "1")
    put(api, "b", "2", HTTP_TTL="PT1H")
    listed = api.get(BASE).json()
    assert [e["key"] for e in listed] == ["a", "b"]
    assert listed[0]["expirationDate"] is None and listed[1]["expirationDate"].endswith("Z")
    assert api.delete(f"{BASE}/a").json() is True
    assert api.delete(f"{BASE}/a").json() is False
    missing = api.get(f"{BASE}/a")
    assert missing.status_code == 404
    assert "No value found for key 'a'" in missing.json()["message"]
    assert put(api, "bad key!", "1").status_code == 422
    assert put(api, "c", "1", HTTP_TTL="soon").status_code == 422
    bulk = api.delete(BASE, data={"keys": ["b", "zz"]}, format="json")
    assert bulk.json() == {"keys": ["b"]}


def test_inheritance_lists_parent_namespaces(api) -> None:
    api.put("/api/v1/main/namespaces/company/kv/top", data="1", content_type="text/plain")
    put(api, "mine", "2")
    listed = api.get(f"{BASE}/inheritance").json()
    assert [(e["namespace"], e["key"]) for e in listed] == [
        ("company", "top"),
        ("company.team", "mine"),
    ]


def test_anonymous_is_refused(anonymous) -> None:
    assert anonymous.get(BASE).status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_through_kestrapy(live_server, user, password) -> None:
    from kestrapy import KestraClient
    from kestrapy.exceptions import NotFoundException

    client = KestraClient(host=live_server.url, username=user.username, password=password)
    client.kv.set_key_value(namespace="company.team", key="color", tenant="main", body='"blue"')
    detail = client.kv.key_value(namespace="company.team", key="color", tenant="main")
    assert detail.type.value == "STRING" and detail.value == "blue"
    entries = client.kv.list_keys_with_inheritance(namespace="company.team", tenant="main")
    assert [e.key for e in entries] == ["color"]
    assert client.kv.delete_key_value(namespace="company.team", key="color", tenant="main")
    with pytest.raises(NotFoundException):
        client.kv.key_value(namespace="company.team", key="color", tenant="main")
