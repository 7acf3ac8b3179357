"""The search and statistics contract, run against every backend (see conftest.BACKENDS)."""

from __future__ import annotations

import pytest

from tests.indexer import data
from tests.indexer.conftest import sync
from tests.indexer.data import D1, D2, D3

BASE = "/api/v1/main"


@pytest.fixture
def world(backend, api):
    data.build()
    sync(backend)
    return backend


def ids(body) -> list[str]:
    return [r["id"] for r in body["results"]]


def get(api, path, **params):
    response = api.get(BASE + path, params)
    assert response.status_code == 200, response.content
    return response.json()


def post(api, path, body):
    response = api.post(BASE + path, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["e5", "e4", "e3", "e2", "e1"]),
        ({"namespace": "company.team"}, ["e5", "e3", "e2", "e1"]),
        ({"filters[namespace][EQUALS]": "company.team"}, ["e5", "e2", "e1"]),
        ({"flowId": "hello", "state": "SUCCESS"}, ["e5", "e1"]),
        ({"state": "FAILED,RUNNING"}, ["e4", "e2"]),
        ({"labels": "team:data"}, ["e3", "e1"]),
        ({"q": "NIGHT"}, ["e3"]),
        ({"startDate": f"{D2}T00:00:00Z", "endDate": f"{D2}T23:59:59Z"}, ["e4", "e3"]),
        ({"filters[triggerExecutionId][EQUALS]": "e1"}, ["e3"]),
        ({"filters[childFilter][EQUALS]": "CHILD"}, ["e3"]),
        ({"filters[state][NOT_IN]": "SUCCESS"}, ["e4", "e2"]),
        ({"sort": "state.startDate:asc"}, ["e1", "e2", "e3", "e4", "e5"]),
        ({"sort": "flowId:asc,state.startDate:desc"}, ["e5", "e2", "e1", "e3", "e4"]),
    ],
)
def test_execution_search(world, api, params, expected):
    body = get(api, "/executions/search", **params)
    assert ids(body) == expected
    assert body["total"] == len(expected)


def test_execution_search_pages_and_full_json(world, api):
    body = get(api, "/executions/search", size=2, page=2)
    assert ids(body) == ["e3", "e2"] and body["total"] == 5
    assert [t["id"] for t in body["results"][0]["taskRunList"]] == ["e3t0", "e3t1"]


def test_execution_search_rejects_bad_input_naming_the_field(world, api):
    response = api.get(BASE + "/executions/search", {"state": "NOPE"})
    assert response.status_code == 422 and "state" in response.content.decode()
    response = api.get(BASE + "/executions/search", {"filters[color][EQUALS]": "x"})
    assert response.status_code == 422 and "color" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"namespace": "company.team", "state": "FAILED"}, ["e2t1"]),
        ({"q": "second", "flowId": "nightly"}, ["e3t1"]),
        ({"triggerExecutionId": "e1"}, ["e3t0", "e3t1"]),
        ({"startDate": f"{D3}T00:00:00Z"}, ["e5t0", "e5t1"]),
    ],
)
def test_task_run_search(world, api, params, expected):
    body = get(api, "/taskruns/search", **params)
    assert ids(body) == expected
    assert body["total"] == len(expected)
    assert all(r["executionId"] == r["id"][:2] for r in body["results"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["other", "hello", "nightly"]),
        ({"q": "greets"}, ["hello"]),
        ({"namespace": "company"}, ["hello", "nightly"]),
        ({"labels": "team:data"}, ["hello"]),
        ({"sort": "id:desc"}, ["other", "nightly", "hello"]),
    ],
)
def test_flow_search(world, api, params, expected):
    body = get(api, "/flows/search", **params)
    assert ids(body) == expected and body["total"] == len(expected)


@pytest.mark.parametrize(
    ("q", "expected"), [("warehouse tables", ["nightly"]), ("pong", ["other"]), ("absent", [])]
)
def test_flow_source_full_text(world, api, q, expected):
    body = get(api, "/flows/source", q=q)
    assert [r["model"]["id"] for r in body["results"]] == expected
    assert body["total"] == len(expected)
    for result in body["results"]:
        assert any(q.split()[0] in line for line in result["fragments"])


def test_flow_source_needs_q(world, api):
    response = api.get(BASE + "/flows/source")
    assert response.status_code == 422 and "q" in response.json()["message"] + str(response.json())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "hello"}, ["e5", "e2", "e1"]),
        ({"q": "warehouse tables"}, ["e3"]),
        ({"minLevel": "WARN"}, ["e2", "e2"]),
        ({"namespace": "company.team", "minLevel": "INFO"}, ["e5", "e3", "e2", "e2", "e1"]),
        ({"flowId": "other"}, ["e4"]),
        ({"filters[executionId][EQUALS]": "e1"}, ["e1", "e1"]),
        ({"startDate": f"{D3}T00:00:00Z"}, ["e5"]),
    ],
)
def test_log_search(world, api, params, expected):
    body = get(api, "/logs/search", **params)
    assert [r["executionId"] for r in body["results"]] == expected
    assert body["total"] == len(expected)


def test_log_search_order_is_newest_first(world, api):
    body = get(api, "/logs/search", **{"filters[executionId][EQUALS]": "e2"})
    assert [r["message"] for r in body["results"]] == [
        "retrying the boom",
        "boom happened in hello",
    ]


PERIOD = {"startDate": f"{D1}T00:00:00Z", "endDate": f"{D3}T23:00:00Z"}


def test_daily_execution_statistics(world, api):
    body = post(api, "/stats/executions/daily", PERIOD)
    assert [d["startDate"] for d in body] == [
        f"{D1}T00:00:00Z",
        f"{D2}T00:00:00Z",
        f"{D3}T00:00:00Z",
    ]
    day1, day2, day3 = body
    assert day1["executionCounts"]["SUCCESS"] == 1 and day1["executionCounts"]["FAILED"] == 1
    assert day1["duration"] == {
        "min": "PT10S",
        "avg": "PT20S",
        "max": "PT30S",
        "sum": "PT40S",
        "count": 2,
    }
    assert day2["executionCounts"]["RUNNING"] == 1 and day2["duration"]["count"] == 1
    assert day3["executionCounts"]["SUCCESS"] == 1 and day3["groupBy"] == "day"
    failed = post(api, "/stats/executions/daily", {**PERIOD, "state": ["FAILED"]})
    assert [sum(d["executionCounts"].values()) for d in failed] == [1, 0, 0]
    team = post(api, "/stats/executions/daily", {**PERIOD, "namespace": "company.team"})
    assert [sum(d["executionCounts"].values()) for d in team] == [2, 1, 1]


def test_statistics_by_namespace_and_by_flow(world, api):
    by_ns = post(api, "/stats/executions/daily/group-by-namespace", PERIOD)
    assert {k: v["total"] for k, v in by_ns.items()} == {
        "acme": 1,
        "company.team": 3,
        "company.team.sub": 1,
    }
    assert by_ns["company.team"]["counts"]["FAILED"] == 1
    by_flow = post(api, "/stats/executions/daily/group-by-flow", PERIOD)
    assert sorted((ns, f) for ns in by_flow for f in by_flow[ns]) == [
        ("acme", "other"),
        ("company.team", "hello"),
        ("company.team.sub", "nightly"),
    ]
    hello = by_flow["company.team"]["hello"]
    assert [sum(d["executionCounts"].values()) for d in hello] == [2, 0, 1]


def test_task_run_and_log_statistics(world, api):
    runs = post(api, "/stats/taskruns/daily", PERIOD)
    assert [sum(d["executionCounts"].values()) for d in runs] == [4, 4, 2]
    assert runs[0]["duration"]["max"] == "PT30S"
    logs = post(api, "/stats/logs/daily", PERIOD)
    assert logs[0]["counts"] == {
        "TRACE": 0,
        "DEBUG": 1,
        "INFO": 1,
        "WARN": 1,
        "ERROR": 1,
    }
    assert logs[1]["counts"]["TRACE"] == 1 and logs[2]["counts"]["INFO"] == 1
    errors = post(api, "/stats/logs/daily", {**PERIOD, "logLevel": "WARN"})
    assert [sum(d["counts"].values()) for d in errors] == [2, 0, 0]


def test_latest_execution_by_flow(world, api):
    body = post(
        api,
        "/stats/executions/latest/group-by-flow",
        {
            "flows": [
                {"namespace": "company.team", "id": "hello"},
                {"namespace": "acme", "id": "other"},
            ]
        },
    )
    assert [r["id"] for r in body] == ["e5", "e4"]


def test_statistics_reject_bad_dates(world, api):
    response = api.post(BASE + "/stats/executions/daily", {"startDate": "yesterday"}, format="json")
    assert response.status_code == 422 and "startDate" in str(response.json())
