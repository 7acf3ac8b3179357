"""The API with restricted users: lists and searches keep to their namespaces, everything else
is refused with 403 in Kestra's error shape when the right is missing."""

import json

import pytest

from executions.models import Execution
from flows.models import Flow
from scheduler.models import Trigger
from tests.access.grants import SOURCE

pytestmark = pytest.mark.django_db

API = "/api/v1/main"
YAML = "application/x-yaml"
TEAM = {"company.team", "company.team.sub"}  # what a grant on company.team covers


@pytest.fixture
def reader(world, make_user):
    return make_user("reader", ("company.team", "read"))[1]


@pytest.fixture
def runner(world, make_user):
    return make_user("runner", ("company.team", "execute"))[1]


@pytest.fixture
def writer(world, make_user):
    return make_user("writer", ("company.team", "write"))[1]


def forbidden(response) -> None:
    assert response.status_code == 403, (response.status_code, response.content[:300])
    assert json.loads(response.content)["message"].startswith("Forbidden")


def test_searches_and_lists_keep_to_the_readable_namespaces(reader, world):
    flows = reader.get(f"{API}/flows/search", {"size": 100}).json()
    assert {f["namespace"] for f in flows["results"]} == TEAM and flows["total"] == 2
    executions = reader.get(f"{API}/executions/search", {"size": 100}).json()
    assert {e["namespace"] for e in executions["results"]} == TEAM
    assert executions["total"] == 2
    logs = reader.get(f"{API}/logs/search", {"size": 100}).json()
    assert logs["results"] and {r["namespace"] for r in logs["results"]} == TEAM
    task_runs = reader.get(f"{API}/taskruns/search", {"size": 100}).json()
    assert task_runs["total"] == 2
    assert {t["executionId"] for t in task_runs["results"]} == {
        world["company.team"],
        world["company.team.sub"],
    }
    names = reader.get(f"{API}/flows/distinct-namespaces").json()
    assert set(names) == TEAM
    triggers = reader.get(f"{API}/triggers/search", {"size": 100}).json()
    assert {t["triggerContext"]["namespace"] for t in triggers["results"]} == TEAM
    sources = reader.get(f"{API}/flows/source", {"q": "hello"}).json()
    assert {r["model"]["namespace"] for r in sources["results"]} == TEAM


def test_a_filter_asking_for_other_namespaces_finds_nothing(reader):
    for path in ("flows/search", "executions/search", "logs/search"):
        body = reader.get(f"{API}/{path}", {"namespace": "other"}).json()
        assert body["total"] == 0 and body["results"] == [], path
    by_flow = reader.get(f"{API}/executions", {"namespace": "other", "flowId": "job"}).json()
    assert by_flow["results"] == []


def test_statistics_count_only_readable_namespaces(reader):
    by_namespace = reader.post(f"{API}/stats/executions/daily/group-by-namespace", {}, "json")
    assert by_namespace.status_code == 200
    assert set(by_namespace.json()) == TEAM
    daily = reader.post(f"{API}/stats/executions/daily", {}, "json").json()
    assert sum(sum(day["executionCounts"].values()) for day in daily) == 2
    latest = reader.post(
        f"{API}/stats/executions/latest/group-by-flow",
        {
            "flows": [
                {"namespace": "other", "id": "job"},
                {"namespace": "company.team", "id": "job"},
            ]
        },
        "json",
    ).json()
    assert [e["namespace"] for e in latest] == ["company.team"]


def test_reading_another_namespace_is_403_not_404(reader, world):
    other = world["other"]
    for path in (
        "flows/other/job",
        "flows/company.teamx/job",  # beside the prefix, not under it
        "flows/other/job/revisions",
        "flows/other/job/graph",
        "flows/other",
        f"executions/{other}",
        f"executions/{other}/graph",
        f"executions/{other}/flow",
        f"logs/{other}",
        f"logs/{other}/download",
        "namespaces/other/kv",
        "namespaces/other/kv/key",
        "namespaces/other/files/directory",
        "triggers/other/job",
    ):
        forbidden(reader.get(f"{API}/{path}"))
    assert reader.get(f"{API}/flows/company.team.sub/job").status_code == 200
    assert reader.get(f"{API}/executions/{world['company.team']}").status_code == 200
    assert reader.get(f"{API}/logs/{world['company.team']}").json()
    assert reader.get(f"{API}/namespaces/company.team/kv/key").json()["value"]


def test_inherited_keys_leave_out_parents_the_user_cannot_read(make_user, world):
    from kestra_site import kv

    kv.store("company").put("parent", "secret")
    _, deep = make_user("deep", ("company.team", "read"))
    keys = deep.get(f"{API}/namespaces/company.team.sub/kv/inheritance").json()
    assert {k["key"] for k in keys} == {"key"} and len(keys) == 2  # team and team.sub


def test_read_is_not_execute(reader, world):
    team = world["company.team"]
    forbidden(reader.post(f"{API}/executions/company.team/job"))
    forbidden(reader.post(f"{API}/executions/{team}/actions/restart"))
    forbidden(reader.post(f"{API}/executions/{team}/actions/replay"))
    forbidden(reader.post(f"{API}/executions/{team}/actions/labels", [], "json"))
    forbidden(reader.delete(f"{API}/executions/{team}/kill"))
    forbidden(reader.delete(f"{API}/executions/kill/by-ids", [team], "json"))
    forbidden(reader.post(f"{API}/triggers/company.team/job/nightly/restart"))
    assert Execution.objects.count() == 4


def test_execute_is_not_write(runner, world):
    team = world["company.team"]
    created = runner.post(f"{API}/executions/company.team/job")
    assert created.status_code == 200 and created.json()["namespace"] == "company.team"
    replayed = runner.post(f"{API}/executions/{team}/actions/replay")
    assert replayed.status_code == 200
    forbidden(runner.post(f"{API}/executions/other/job"))
    forbidden(runner.post(f"{API}/executions/replay/by-ids", [team, world["other"]], "json"))
    forbidden(runner.delete(f"{API}/executions/{team}"))
    forbidden(runner.delete(f"{API}/executions/by-ids", [team], "json"))
    forbidden(runner.delete(f"{API}/logs/{team}"))
    source = SOURCE.format(namespace="company.team").replace("hello", "changed")
    forbidden(runner.put(f"{API}/flows/company.team/job", source, content_type=YAML))
    forbidden(runner.put(f"{API}/namespaces/company.team/kv/key", "x", content_type="text/plain"))
    forbidden(
        runner.put(
            f"{API}/triggers",
            {"namespace": "company.team", "flowId": "job", "triggerId": "nightly"},
            "json",
        )
    )
    assert Execution.objects.filter(pk=team).exists()


def test_write_on_a_prefix_and_not_beyond(writer, world):
    source = SOURCE.format(namespace="company.team.new")
    assert writer.post(f"{API}/flows", source, content_type=YAML).status_code == 200
    forbidden(writer.post(f"{API}/flows", SOURCE.format(namespace="other.new"), content_type=YAML))
    assert not Flow.objects.filter(namespace="other.new").exists()
    changed = SOURCE.format(namespace="company.team").replace("hello", "changed")
    assert (
        writer.put(f"{API}/flows/company.team/job", changed, content_type=YAML).json()["revision"]
        == 2
    )
    put = writer.put(
        f"{API}/namespaces/company.team/kv/new", '"v"', content_type="application/json"
    )
    assert put.status_code == 200
    forbidden(
        writer.put(f"{API}/namespaces/company.teamx/kv/new", '"v"', content_type="application/json")
    )
    # a bulk call with one namespace out of reach changes nothing at all
    both = [{"namespace": "company.team", "id": "job"}, {"namespace": "other", "id": "job"}]
    forbidden(writer.delete(f"{API}/flows/delete/by-ids", both, "json"))
    assert Flow.objects.filter(deleted=False, flow_id="job").count() == 5  # 4 + company.team.new
    forbidden(writer.post(f"{API}/flows/bulk", SOURCE.format(namespace="other"), content_type=YAML))
    deleted = writer.delete(f"{API}/executions/{world['company.team']}")
    assert deleted.status_code == 204
    forbidden(writer.delete(f"{API}/executions/{world['other']}"))


def test_trigger_bulk_by_query_changes_only_writable_triggers(writer):
    response = writer.post(f"{API}/triggers/set-disabled/by-query?disabled=true")
    assert response.status_code == 200 and response.json() == {"count": 2}
    disabled = set(Trigger.objects.filter(disabled=True).values_list("namespace", flat=True))
    assert disabled == TEAM
    forbidden(
        writer.post(
            f"{API}/triggers/set-disabled/by-triggers",
            {
                "disabled": True,
                "triggers": [{"namespace": "other", "flowId": "job", "triggerId": "nightly"}],
            },
            "json",
        )
    )
    forbidden(
        writer.put(
            f"{API}/triggers/backfill/pause",
            {"namespace": "other", "flowId": "job", "triggerId": "nightly"},
            "json",
        )
    )


def test_a_user_without_grants_sees_empty_lists(make_user, world):
    _, nobody = make_user("nobody")
    assert nobody.get(f"{API}/flows/search").json() == {"results": [], "total": 0}
    assert nobody.get(f"{API}/executions/search").json()["total"] == 0
    assert nobody.get(f"{API}/flows/distinct-namespaces").json() == []
    forbidden(nobody.get(f"{API}/flows/company.team/job"))


def test_superusers_and_the_fixture_user_see_everything(api, django_user_model, world):
    assert api.get(f"{API}/flows/search", {"size": 100}).json()["total"] == 4
    from tests.access.grants import PASSWORD, client_for

    django_user_model.objects.create_superuser("root", password=PASSWORD)
    root = client_for("root")
    assert root.get(f"{API}/executions/search", {"size": 100}).json()["total"] == 4
    assert root.get(f"{API}/flows/other/job").status_code == 200
