"""The web UI with restricted users: lists keep to their namespaces, pages and actions on other
namespaces (or needing a right they lack) answer the 403 page."""

import pytest
from django.test import Client

from executions.models import Execution
from flows.models import Flow
from kestra_site import kv
from scheduler.models import Trigger
from tests.access.grants import SOURCE

pytestmark = pytest.mark.django_db


def signed_in(make_user, *grants) -> Client:
    user, _ = make_user("person", *grants)
    client = Client()
    client.force_login(user)
    return client


def test_lists_keep_to_the_readable_namespaces(world, make_user):
    page = signed_in(make_user, ("company.team", "read"))
    for url in ("/ui/flows/", "/ui/executions/", "/ui/logs/", "/ui/triggers/", "/ui/"):
        body = page.get(url).content.decode()
        assert world["company.team"] in body or "company.team.sub" in body, url
        assert world["other"] not in body and "company.teamx" not in body, url
        assert "hello from other" not in body, url
    namespaces = page.get("/ui/namespaces/").content.decode()
    assert "company.team.sub" in namespaces and "company.teamx" not in namespaces


def test_pages_of_other_namespaces_are_403(world, make_user):
    page = signed_in(make_user, ("company.team", "read"))
    other = world["other"]
    for url in (
        "/ui/flows/other/job/",
        "/ui/flows/other/job/revisions/",
        "/ui/flows/other/job/execute/",
        f"/ui/executions/{other}/",
        f"/ui/executions/{other}/preview/?path=kestra:///x",
        f"/ui/main/executions/company.team/job/{other}",  # the URL's namespace is not trusted
        "/ui/namespaces/other/",
        "/ui/namespaces/other/file/?path=a.txt",
    ):
        assert page.get(url).status_code == 403, url
    assert page.get("/ui/flows/company.team/job/").status_code == 200
    assert page.get(f"/ui/executions/{world['company.team']}/").status_code == 200


def test_actions_need_execute_or_write(world, make_user):
    page = signed_in(make_user, ("company.team", "read"))
    team = world["company.team"]
    assert page.post(f"/ui/executions/{team}/actions/replay/").status_code == 403
    assert page.post("/ui/flows/company.team/job/execute/").status_code == 403
    changed = SOURCE.format(namespace="company.team").replace("hello", "changed")
    assert page.post("/ui/flows/company.team/job/", {"source": changed}).status_code == 403
    trigger = Trigger.objects.get(namespace="company.team")
    assert page.post(f"/ui/triggers/{trigger.pk}/disable/").status_code == 403
    assert Execution.objects.count() == 4 and not Trigger.objects.filter(disabled=True).exists()


def test_execute_runs_but_does_not_write(world, make_user):
    page = signed_in(make_user, ("company.team", "execute"))
    response = page.post(f"/ui/executions/{world['company.team']}/actions/replay/")
    assert response.status_code == 302 and Execution.objects.count() == 5
    kv_post = {"kind": "kv", "key": "from-ui", "value": "1"}
    assert page.post("/ui/namespaces/company.team/", kv_post).status_code == 403
    assert kv.store("company.team").get("from-ui") is None


def test_a_new_flow_needs_write_on_its_namespace(world, make_user):
    page = signed_in(make_user, ("company.team", "write"))
    mine = page.post("/ui/flows/new/", {"source": SOURCE.format(namespace="company.team.b")})
    assert mine.status_code == 302
    theirs = page.post("/ui/flows/new/", {"source": SOURCE.format(namespace="other.b")})
    assert theirs.status_code == 403 and b'id="forbidden"' in theirs.content
    assert not Flow.objects.filter(namespace="other.b").exists()
