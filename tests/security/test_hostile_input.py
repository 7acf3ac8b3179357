"""Hostile input through the API, refused with a clear error before it costs anything: YAML
bombs, oversized bodies and uploads, and paths that try to leave their namespace or execution."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from executions import services
from flows.models import Flow
from flows.spec import yaml_source
from kestra_site import storage
from tests.executions.api.helpers import make_flow

pytestmark = pytest.mark.django_db

API = "/api/v1/main"
YAML = "application/x-yaml"

BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "id: bomb\nnamespace: io.test\ntasks: *i\n"
)


@pytest.fixture(autouse=True)
def own_storage(tmp_path, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    backend = FileSystemStorage(location=str(tmp_path / "storage"))
    monkeypatch.setattr(storage, "internal_storage", lambda: backend)
    return backend


def message(response) -> str:
    return json.dumps(response.json())


# --- YAML bombs and oversized flows ----------------------------------------------------------


def test_a_billion_laughs_flow_is_refused_without_being_expanded(api, monkeypatch) -> None:
    visited = 0
    original = yaml_source._Builder._node

    def counting(self, node, path, depth):
        nonlocal visited
        visited += 1
        return original(self, node, path, depth)

    monkeypatch.setattr(yaml_source._Builder, "_node", counting)
    response = api.post(f"{API}/flows", BILLION_LAUGHS, content_type=YAML)
    assert response.status_code == 422
    assert "alias" in message(response).lower()
    assert not Flow.objects.exists()
    # Expanded, the document has 10**9 nodes; the builder stopped at its budget.
    assert visited <= yaml_source.MIN_EXPANSION_BUDGET + 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("id: a\nnamespace: n\ntasks: &x [*x]\n", "alias"),
        ("id: a\nnamespace: n\ntasks: " + "[" * 300 + "]" * 300 + "\n", "nesting"),
        ("id: a\nnamespace: n\ntasks: !!python/object:os.system [ls]\n", "tag"),
    ],
)
def test_hostile_yaml_is_a_422_naming_the_problem(api, source, expected) -> None:
    response = api.post(f"{API}/flows", source, content_type=YAML)
    assert response.status_code == 422
    assert expected in message(response).lower()
    assert not Flow.objects.exists()


def test_a_flow_over_the_source_cap_is_refused(api) -> None:
    source = "id: big\nnamespace: io.test\n# " + "x" * yaml_source.MAX_SOURCE_BYTES + "\n"
    response = api.post(f"{API}/flows", source, content_type=YAML)
    assert response.status_code == 422
    assert "too large" in message(response)


# --- body and upload caps --------------------------------------------------------------------


@pytest.fixture
def small_caps(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    settings.KESTRA_MAX_UPLOAD_BYTES = 128 * 1024
    return settings


BIG = b"x" * (200 * 1024)


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("post", "/flows", YAML),
        ("post", "/flows/validate", YAML),
        ("post", "/flows/search", "application/json"),
        ("put", "/namespaces/company.team/kv/key1", "text/plain"),
        ("post", "/executions/search", "application/json"),
        ("post", "/executions/webhook/company.team/flaky/key", "application/json"),
    ],
)
def test_a_body_over_the_cap_is_413_before_parsing(
    api, small_caps, method, path, content_type
) -> None:
    response = getattr(api, method)(f"{API}{path}", BIG, content_type=content_type)
    assert response.status_code == 413
    assert "KESTRA_MAX_BODY_BYTES" in response.json()["message"]


def test_a_namespace_file_upload_over_the_cap_is_413(api, small_caps, own_storage) -> None:
    data = {"fileContent": SimpleUploadedFile("file", BIG)}
    response = api.post(
        f"{API}/namespaces/company.team/files?path=/big.bin", data=data, format="multipart"
    )
    assert response.status_code == 413
    assert "KESTRA_MAX_UPLOAD_BYTES" in response.json()["message"]
    assert not own_storage.exists("company/team/_files/big.bin")
    small = {"fileContent": SimpleUploadedFile("file", b"small")}
    ok = api.post(
        f"{API}/namespaces/company.team/files?path=/s.bin", data=small, format="multipart"
    )
    assert ok.status_code == 200


def test_an_execution_file_input_over_the_cap_is_413(api, small_caps) -> None:
    make_flow()
    data = {"file": SimpleUploadedFile("in.bin", BIG)}
    response = api.post(f"{API}/executions/company.team/flaky", data=data, format="multipart")
    assert response.status_code == 413
    assert "KESTRA_MAX_UPLOAD_BYTES" in response.json()["message"]


def test_a_bad_content_length_is_400(api) -> None:
    response = api.generic("POST", f"{API}/flows/search", b"{}", CONTENT_LENGTH="lots")
    assert response.status_code == 400


# --- path traversal --------------------------------------------------------------------------

NS_FILES = f"{API}/namespaces/company.team/files"


@pytest.mark.parametrize(
    "bad",
    [
        "../x",
        "/../../etc/passwd",
        "a/../../x",
        "%2e%2e%2fsecret",
        "%2E%2E/%2E%2E/etc/passwd",
        "..%2f..%2fetc%2fpasswd",
        "/a/%2e%2e/%2e%2e/%2e%2e/x",
    ],
)
def test_namespace_file_paths_cannot_leave_the_namespace(api, own_storage, bad) -> None:
    own_storage.save("company/other/_files/secret", SimpleUploadedFile("s", b"other ns"))
    data = {"fileContent": SimpleUploadedFile("file", b"x")}
    upload = api.post(f"{NS_FILES}?path={bad}", data=data, format="multipart")
    assert upload.status_code == 422, upload.content
    read = api.get(f"{NS_FILES}?path={bad}")
    assert read.status_code == 422
    assert b"other ns" not in read.content
    assert api.delete(f"{NS_FILES}?path={bad}").status_code == 422
    assert own_storage.exists("company/other/_files/secret")


def test_an_absolute_path_stays_inside_the_namespace(api) -> None:
    response = api.get(f"{NS_FILES}?path=/etc/passwd")
    assert response.status_code == 404  # the namespace's own /etc/passwd, which does not exist
    assert b"root:" not in response.content


@pytest.mark.parametrize(
    ("namespace", "status"),
    [
        ("..", 422),
        ("company..team", 422),  # would alias company.team's folder
        (".hidden", 422),
        ("company.", 422),
        ("company/../x", 404),  # a slash never matches the namespace segment of the URL
    ],
)
def test_a_traversing_namespace_is_refused(api, own_storage, namespace, status) -> None:
    from urllib.parse import quote

    own_storage.save("company/team/_files/x", SimpleUploadedFile("s", b"team file"))
    base = f"{API}/namespaces/{quote(namespace, safe='')}"
    response = api.get(f"{base}/files?path=/x")
    assert response.status_code == status
    assert b"team file" not in response.content
    assert api.put(f"{base}/kv/k", "1", content_type="text/plain").status_code == status
    assert api.get(f"{base}/kv").status_code == status


@pytest.mark.parametrize("key", ["../k", "..%2Fk", "a/b", "%2e%2e%2fk"])
def test_kv_keys_cannot_traverse(api, own_storage, key) -> None:
    response = api.put(f"{API}/namespaces/company.team/kv/{key}", "1", content_type="text/plain")
    assert response.status_code in (404, 422)
    assert _walk(own_storage, "") == []  # nothing written, inside the KV store or out of it


def _walk(backend, prefix: str) -> list[str]:
    try:
        dirs, files = backend.listdir(prefix)
    except FileNotFoundError:
        return []
    found = [f"{prefix}/{f}".lstrip("/") for f in files]
    for d in dirs:
        found += _walk(backend, f"{prefix}/{d}".lstrip("/"))
    return found


@pytest.fixture
def execution_files():
    make_flow()
    row = services.execution_create(namespace="company.team", flow_id="flaky")
    prefix = storage.execution_prefix(row.namespace, row.flow_id, row.id)
    mine = storage.put(f"{prefix}/tasks/t/r1/notes.txt", "mine")
    storage.put("company/other/_files/secret.txt", "other namespace")
    storage.put("company/team/_kv/key.ion", "a kv value")
    return row, mine


@pytest.mark.parametrize(
    "uri",
    [
        "kestra:///../company/other/_files/secret.txt",
        "kestra:///company/team/../other/_files/secret.txt",
        "kestra:///company/other/_files/secret.txt",
        "kestra:///company/team/_kv/key.ion",
        "kestra:///%2e%2e/%2e%2e/etc/passwd",
        "kestra://../../etc/passwd",
        "/etc/passwd",
        "file:///etc/passwd",
    ],
)
def test_execution_file_uris_cannot_leave_the_execution(api, execution_files, uri) -> None:
    row, mine = execution_files
    assert api.get(f"{API}/executions/{row.id}/file", {"path": mine}).status_code == 200
    response = api.get(f"{API}/executions/{row.id}/file", {"path": uri})
    assert response.status_code == 422, (uri, response.status_code)
    assert b"other namespace" not in response.content
    assert b"a kv value" not in response.content
