"""Logs (list, filters, search, download, delete), event streams and flow graphs."""

import json

import pytest

from executions.models import LogEntry, TaskRun
from tests.executions.api.helpers import BASE, failed_execution, make_flow

pytestmark = pytest.mark.django_db
LOGS = "/api/v1/main/logs"


def test_logs_of_an_execution_with_filters(api):
    row = failed_execution()
    every = api.get(f"{LOGS}/{row.id}").json()
    messages = [e["message"] for e in every]
    assert "boom failed" in messages and "first ran" in messages
    entry = next(e for e in every if e["message"] == "boom failed")
    assert entry["level"] == "ERROR" and entry["taskId"] == "boom"
    assert entry["namespace"] == "company.team" and entry["flowId"] == "flaky"
    assert entry["executionId"] == row.id and entry["attemptNumber"] == 1
    assert entry["timestamp"].endswith("Z")
    errors = api.get(f"{LOGS}/{row.id}?minLevel=ERROR").json()
    assert [e["message"] for e in errors] == ["boom failed"]
    boom = TaskRun.objects.get(execution_id=row.id, task_id="boom")
    assert len(api.get(f"{LOGS}/{row.id}?taskRunId={boom.id}").json()) == 1
    assert len(api.get(f"{LOGS}/{row.id}?taskId=first&attempt=1").json()) == 1
    assert api.get(f"{LOGS}/{row.id}?minLevel=LOUD").status_code == 422
    assert api.get(f"{LOGS}/nope").status_code == 404


def test_download_search_and_delete_logs(api):
    row = failed_execution()
    download = api.get(f"{LOGS}/{row.id}/download", HTTP_ACCEPT="text/plain")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")
    text = b"".join(download.streaming_content).decode()
    assert any(line.endswith("boom failed") and "ERROR" in line for line in text.splitlines())
    found = api.get(f"{LOGS}/search?q=failed").json()
    assert found["total"] == 1 and found["results"][0]["message"] == "boom failed"
    assert found["type"] == "OFFSET"
    assert api.get(f"{LOGS}/search?namespace=company&minLevel=ERROR").json()["total"] == 1
    assert api.get(f"{LOGS}/search?filters[flowId][EQUALS]=other").json()["total"] == 0
    assert api.get(f"{LOGS}/search?startDate=nope").status_code == 422
    assert api.delete(f"{LOGS}/{row.id}?minLevel=ERROR").status_code == 204
    assert not LogEntry.objects.filter(execution_id=row.id, level="ERROR").exists()
    assert LogEntry.objects.filter(execution_id=row.id).exists()


def events(response) -> list[tuple[str, dict]]:
    text = b"".join(response.streaming_content).decode()
    out = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if "data" in fields:
            out.append((fields.get("event"), json.loads(fields["data"])))
    return out


def test_follow_a_terminated_execution_ends_with_it(api):
    row = failed_execution()
    response = api.get(f"{BASE}/{row.id}/follow", HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    got = events(response)
    assert [name for name, _ in got] == ["end"]
    assert got[0][1]["id"] == row.id and got[0][1]["state"]["current"] == "FAILED"
    logs = events(api.get(f"{LOGS}/{row.id}/follow?minLevel=ERROR"))
    assert [data["message"] for _, data in logs] == ["boom failed"]
    assert api.get(f"{BASE}/nope/follow", HTTP_ACCEPT="text/event-stream").status_code == 404


GRAPHED = """id: graphed
namespace: company.team
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
tasks:
  - id: start
    type: io.kestra.plugin.core.log.Log
    message: go
  - id: split
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.debug.Return
        format: a
      - id: b
        type: io.kestra.plugin.core.debug.Return
        format: b
  - id: choose
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: yes
        type: io.kestra.plugin.core.log.Log
        message: y
    else:
      - id: no
        type: io.kestra.plugin.core.log.Log
        message: n
errors:
  - id: oops
    type: io.kestra.plugin.core.log.Log
    message: e
"""


def test_flow_graph_has_clusters_for_flowables_and_error_edges(api):
    make_flow(GRAPHED)
    graph = api.get("/api/v1/main/flows/company.team/graphed/graph").json()
    uids = {n["uid"] for n in graph["nodes"]}
    assert {"root.start", "root.split.a", "root.choose.yes", "root.oops"} <= uids
    assert "Triggers.daily" in uids
    clusters = {c["cluster"]["uid"]: c for c in graph["clusters"]}
    assert clusters["cluster_root.split"]["cluster"]["relationType"] == "PARALLEL"
    assert "root.split.a" in clusters["cluster_root.split"]["nodes"]
    assert clusters["cluster_root.choose"]["parents"] == ["root"]
    relations = {(e["source"], e["target"]): e["relation"] for e in graph["edges"]}
    assert relations[("root.root", "root.start")]["relationType"] == "SEQUENTIAL"
    assert relations[("root.split", "root.split.b")]["relationType"] == "PARALLEL"
    assert relations[("root.choose", "root.choose.yes")] == {
        "relationType": "CHOICE",
        "value": "then",
    }
    assert relations[("root.root", "root.oops")]["relationType"] == "ERROR"
    edge_nodes = {e["source"] for e in graph["edges"]} | {e["target"] for e in graph["edges"]}
    assert edge_nodes <= uids
    assert graph["flowables"] == ["split", "choose"]
    assert api.get("/api/v1/main/flows/company.team/nope/graph").status_code == 404


def test_execution_graph_carries_task_runs(api):
    row = failed_execution()
    graph = api.get(f"{BASE}/{row.id}/graph").json()
    nodes = {n["uid"]: n for n in graph["nodes"]}
    assert nodes["root.group.boom"]["taskRun"]["state"]["current"] == "FAILED"
    assert "taskRun" not in nodes["root.last"]
