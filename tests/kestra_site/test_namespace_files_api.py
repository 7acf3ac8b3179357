"""The namespace files API on Kestra's paths, directly and through kestrapy."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

BASE = "/api/v1/main/namespaces/company.team/files"


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    from kestra_site import storage

    backend = FileSystemStorage(location=str(tmp_path / "storage"))
    monkeypatch.setattr(storage, "internal_storage", lambda: backend)
    return backend


def upload(api, path: str, content: bytes):
    data = {"fileContent": SimpleUploadedFile("file", content)}
    return api.post(f"{BASE}?path={path}", data=data, format="multipart")


def test_upload_list_read_move_delete(api, storage) -> None:
    assert upload(api, "/scripts/a.py", b"print(1)").status_code == 200
    assert upload(api, "/b.txt", b"bee").status_code == 200
    assert storage.exists("company/team/_files/scripts/a.py")
    root = api.get(f"{BASE}/directory").json()
    assert [(f["fileName"], f["type"]) for f in root] == [
        ("scripts", "Directory"),
        ("b.txt", "File"),
    ]
    assert api.get(f"{BASE}?path=/scripts/a.py").getvalue() == b"print(1)"
    stats = api.get(f"{BASE}/stats?path=/b.txt").json()
    assert stats["size"] == 3 and stats["type"] == "File"
    assert api.get(f"{BASE}/search?q=a.p").json() == ["/scripts/a.py"]
    assert api.put(f"{BASE}?from=/scripts&to=/code").status_code == 200
    assert api.get(f"{BASE}?path=/code/a.py").getvalue() == b"print(1)"
    assert api.get(f"{BASE}?path=/scripts/a.py").status_code == 404
    exported = zipfile.ZipFile(io.BytesIO(api.get(f"{BASE}/export").content))
    assert sorted(exported.namelist()) == ["b.txt", "code/a.py"]
    assert api.delete(f"{BASE}?path=/code").status_code == 200
    assert [f["fileName"] for f in api.get(f"{BASE}/directory").json()] == ["b.txt"]


def test_directories_and_traversal(api) -> None:
    assert api.post(f"{BASE}/directory?path=/empty").status_code == 200
    assert [f["fileName"] for f in api.get(f"{BASE}/directory").json()] == ["empty"]
    assert api.get(f"{BASE}/directory?path=/empty").json() == []
    for bad in ("/../../etc/passwd", "a/../../x"):
        assert upload(api, bad, b"x").status_code == 422
        assert api.get(f"{BASE}?path={bad}").status_code == 422
    assert api.get(f"{BASE}?path=/nope").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_through_kestrapy(live_server, user, password) -> None:
    from kestrapy import KestraClient

    client = KestraClient(host=live_server.url, username=user.username, password=password)
    ns, tenant = "company.team", "main"
    client.files.create_namespace_file(
        namespace=ns, path="/hello.sh", tenant=tenant, file_content=b"echo hi"
    )
    assert client.files.file_content(namespace=ns, path="/hello.sh", tenant=tenant) == b"echo hi"
    listed = client.files.list_namespace_directory_files(namespace=ns, tenant=tenant)
    assert [f.file_name for f in listed] == ["hello.sh"]
    client.files.delete_file_directory(namespace=ns, path="/hello.sh", tenant=tenant)
    assert client.files.list_namespace_directory_files(namespace=ns, tenant=tenant) == []
