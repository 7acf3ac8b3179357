"""The execution file API: download, metas and preview, and paths that leave the execution."""

import json
import time

import pytest

from executions import services
from kestra_site import storage
from tests.executions.api.helpers import BASE, make_flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    make_flow()
    row = services.execution_create(namespace="company.team", flow_id="flaky")
    prefix = storage.execution_prefix(row.namespace, row.flow_id, row.id)
    uris = {
        "txt": storage.put(f"{prefix}/tasks/t/r1/notes.txt", "one\ntwo\nthree\n"),
        "ion": storage.put(
            f"{prefix}/tasks/t/r1/rows.ion",
            "".join(json.dumps({"n": i}) + "\n" for i in range(5)),
        ),
        "md": storage.put(f"{prefix}/tasks/t/r1/read.md", "# Title\n"),
        "png": storage.put(f"{prefix}/tasks/t/r1/pic.png", b"\x89PNG"),
    }
    other = services.execution_create(namespace="company.team", flow_id="flaky")
    other_prefix = storage.execution_prefix(other.namespace, other.flow_id, other.id)
    uris["other"] = storage.put(f"{other_prefix}/secret.txt", "not yours")
    return row, uris


def test_download_and_metas(api, stored):
    row, uris = stored
    response = api.get(f"{BASE}/{row.id}/file", {"path": uris["txt"]})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"one\ntwo\nthree\n"
    assert "notes.txt" in response["Content-Disposition"]
    metas = api.get(f"{BASE}/{row.id}/file/metas", {"path": uris["txt"]})
    assert metas.status_code == 200
    assert metas.json() == {"size": 14, "name": "notes.txt"}


def test_preview_text_list_markdown_and_image(api, stored):
    row, uris = stored
    text = api.get(f"{BASE}/{row.id}/file/preview", {"path": uris["txt"], "maxRows": 2}).json()
    assert text == {
        "extension": "txt",
        "type": "TEXT",
        "content": "one\ntwo",
        "maxLine": 2,
        "truncated": True,
    }
    rows = api.get(f"{BASE}/{row.id}/file/preview", {"path": uris["ion"]}).json()
    assert rows["type"] == "LIST"
    assert rows["content"] == [{"n": i} for i in range(5)]
    assert rows["truncated"] is False
    assert api.get(f"{BASE}/{row.id}/file/preview", {"path": uris["md"]}).json()["type"] == (
        "MARKDOWN"
    )
    image = api.get(f"{BASE}/{row.id}/file/preview", {"path": uris["png"]}).json()
    assert image["type"] == "IMAGE"
    assert image["content"] == "iVBORw=="


def test_bad_encoding_is_422(api, stored):
    row, uris = stored
    response = api.get(
        f"{BASE}/{row.id}/file/preview", {"path": uris["txt"], "encoding": "no-such-charset"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "make_path",
    [
        lambda row, uris: uris["other"],  # another execution's file
        lambda row, uris: uris["txt"].replace("/tasks/t/r1/notes.txt", "/../../x.txt"),
        lambda row, uris: uris["txt"] + "/../../../../../../etc/passwd",
        lambda row, uris: "kestra:///company/team/flaky/executions",
        lambda row, uris: "file:///etc/passwd",
        lambda row, uris: "/etc/passwd",
        lambda row, uris: "",
    ],
)
@pytest.mark.parametrize("endpoint", ["file", "file/metas", "file/preview"])
def test_paths_outside_the_execution_are_refused(api, stored, make_path, endpoint):
    row, uris = stored
    response = api.get(f"{BASE}/{row.id}/{endpoint}", {"path": make_path(row, uris)})
    assert response.status_code == 422
    assert b"not yours" not in response.content


def test_missing_file_and_execution_are_404(api, stored):
    row, uris = stored
    missing = uris["txt"].replace("notes.txt", "nothing.txt")
    assert api.get(f"{BASE}/{row.id}/file", {"path": missing}).status_code == 404
    assert api.get(f"{BASE}/nope/file/metas", {"path": uris["txt"]}).status_code == 404


def test_post_to_a_flow_called_file_still_creates(api):
    make_flow(
        "id: file\nnamespace: company.team\ntasks:\n  - id: a\n"
        "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    )
    response = api.post(f"{BASE}/company.team/file")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_kestrapy_reads_execution_files(live_server, user, password):
    from kestrapy import KestraClient
    from kestrapy.exceptions import ApiException

    make_flow()
    row = services.execution_create(namespace="company.team", flow_id="flaky")
    prefix = storage.execution_prefix(row.namespace, row.flow_id, row.id)
    uri = storage.put(f"{prefix}/tasks/t/r1/out.csv", "a,b\n1,2\n3,4\n")
    client = KestraClient(host=live_server.url, username=user.username, password=password)
    try:
        ex = client.executions
        assert ex.download_file_from_execution(row.id, uri, "main") == b"a,b\n1,2\n3,4\n"
        assert ex.file_metadatas_from_execution(row.id, uri, "main").size == 12
        shown = ex.preview_file_from_execution(row.id, uri, "main", max_rows=2)
        assert shown["content"] == "a,b\n1,2" and shown["truncated"] is True
        with pytest.raises(ApiException) as refused:
            ex.download_file_from_execution(row.id, uri + "/../../../../secret", "main")
        assert refused.value.status == 422
    finally:
        client.close()  # ends the server's request thread and its database connection
        time.sleep(0.2)
