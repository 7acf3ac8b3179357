"""The namespace scope on both search backends (database, Elasticsearch stand-in, and a real
Elasticsearch when ELASTICSEARCH_URL is set): a user reading `company.team` finds the same
rows through either, and a user with no grant finds nothing."""

from __future__ import annotations

import pytest

from tests.indexer import data
from tests.indexer.conftest import backend, enqueued, sync  # noqa: F401 (fixtures)
from tests.indexer.test_contract import PERIOD

API = "/api/v1/main"
TEAM = {"company.team", "company.team.sub"}


@pytest.fixture
def indexed(backend, make_user):  # noqa: F811
    data.build()
    sync(backend)
    return backend


def _get(client, path, **params):
    response = client.get(API + path, {"size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_searches_keep_to_the_prefix_on_every_backend(indexed, make_user):
    _, reader = make_user("reader", ("company.team", "read"))
    flows = _get(reader, "/flows/search")
    assert {f["namespace"] for f in flows["results"]} == TEAM
    executions = _get(reader, "/executions/search")
    assert sorted(e["id"] for e in executions["results"]) == ["e1", "e2", "e3", "e5"]
    task_runs = _get(reader, "/taskruns/search")
    assert task_runs["total"] > 0
    assert {t["executionId"] for t in task_runs["results"]} <= {"e1", "e2", "e3", "e5"}
    logs = _get(reader, "/logs/search")
    assert {r["namespace"] for r in logs["results"]} <= TEAM and "ping pong" not in str(logs)
    # "tasks" is in every flow's source; only the readable ones come back
    sources = _get(reader, "/flows/source", q="tasks")
    assert {r["model"]["namespace"] for r in sources["results"]} == TEAM
    by_ns = reader.post(f"{API}/stats/executions/daily/group-by-namespace", PERIOD, format="json")
    assert set(by_ns.json()) == TEAM


def test_no_grant_finds_nothing_on_every_backend(indexed, make_user):
    _, nobody = make_user("nobody")
    for path in ("/flows/search", "/executions/search", "/taskruns/search", "/logs/search"):
        assert _get(nobody, path)["total"] == 0, path
    by_ns = nobody.post(f"{API}/stats/executions/daily/group-by-namespace", PERIOD, format="json")
    assert by_ns.json() == {}


def test_several_prefixes_are_a_union(indexed, make_user):
    _, both = make_user("both", ("company.team.sub", "read"), ("acme", "execute"))
    executions = _get(both, "/executions/search")
    assert sorted(e["id"] for e in executions["results"]) == ["e3", "e4"]
