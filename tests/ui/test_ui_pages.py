"""The web UI's pages through Django's test client: login, flows, editor, run form, executions,
triggers, workers, namespaces and the dashboard, on the real services and database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from executions.models import Execution, LogEntry, TaskRun
from flows import services as flow_services

pytestmark = pytest.mark.django_db

FLOW = """id: hello
namespace: company.team
labels:
  team: data
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
"""

TYPED = """id: typed
namespace: company.team
inputs:
  - id: count
    type: INT
  - id: data
    type: FILE
  - id: colour
    type: SELECT
    values: [red, green]
  - id: tags
    type: MULTISELECT
    values: [a, b, c]
  - id: day
    type: DATE
    required: false
  - id: at
    type: DATETIME
    required: false
  - id: doc
    type: JSON
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }}"
"""

NESTED = """id: nested
namespace: company.team
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.log.Log
        message: l
      - id: right
        type: io.kestra.plugin.core.log.Log
        message: r
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: yes
        type: io.kestra.plugin.core.log.Log
        message: y
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: e
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: f
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
"""


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def hello(user):
    return flow_services.flow_create(source=FLOW, user=user)


def _execution(state="SUCCESS", flow_id="hello", **extra) -> Execution:
    now = datetime.now(UTC)
    return Execution.objects.create(
        id=extra.pop("id", f"ex{Execution.objects.count()}{state.lower()}"),
        namespace="company.team",
        flow_id=flow_id,
        flow_revision=1,
        state=state,
        start_date=now - timedelta(seconds=10),
        end_date=now if state in ("SUCCESS", "FAILED", "KILLED") else None,
        labels=[{"key": "team", "value": "data"}],
        **extra,
    )


def test_every_page_needs_a_signed_in_user(client, db):
    for url in ["/ui/", "/ui/flows/", "/ui/executions/", "/ui/triggers/", "/ui/workers/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/ui/login/?next=")
    assert client.get("/")["Location"] == "/ui/"


def test_login_and_logout(client, user, password):
    page = client.get("/ui/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    bad = client.post("/ui/login/", {"username": user.username, "password": "wrong"})
    assert b"did not match" in bad.content
    response = client.post(
        "/ui/login/", {"username": user.username, "password": password, "next": "/ui/flows/"}
    )
    assert response.status_code == 302 and response["Location"] == "/ui/flows/"
    assert client.get("/ui/flows/").status_code == 200
    assert client.post("/ui/logout/").status_code == 302
    assert client.get("/ui/flows/").status_code == 302


def test_flow_list_search_and_namespace_tree(browser, user, hello):
    flow_services.flow_create(
        source=FLOW.replace("id: hello", "id: other").replace("company.team", "acme.sales.eu"),
        user=user,
    )
    page = browser.get("/ui/flows/").content.decode()
    assert 'data-flow="company.team.hello"' in page and 'data-flow="acme.sales.eu.other"' in page
    # The tree has the parents of each namespace.
    for namespace in ("acme", "acme.sales", "acme.sales.eu", "company", "company.team"):
        assert f'data-namespace="{namespace}"' in page
    page = browser.get("/ui/flows/?namespace=acme").content.decode()
    assert "acme.sales.eu.other" in page and 'data-flow="company.team.hello"' not in page
    page = browser.get("/ui/flows/?q=hel").content.decode()
    assert (
        'data-flow="company.team.hello"' in page and 'data-flow="acme.sales.eu.other"' not in page
    )
    page = browser.get("/ui/flows/?labels=team:data").content.decode()
    assert 'data-flow="company.team.hello"' in page
    page = browser.get("/ui/flows/?labels=team:other").content.decode()
    assert 'data-flow="company.team.hello"' not in page


def test_editor_saves_a_new_revision_and_shows_errors_on_their_line(browser, hello):
    url = "/ui/flows/company.team/hello/"
    page = browser.get(url).content.decode()
    assert "Hello {{ inputs.name }}" in page and '<svg class="topology"' in page
    bad = FLOW.replace("io.kestra.plugin.core.log.Log", "io.kestra.plugin.core.log.Nope")
    response = browser.post(url, {"source": bad})
    assert response.status_code == 200
    text = response.content.decode()
    assert "line 11: tasks[0].type" in text and "Nope" in text
    hello.refresh_from_db()
    assert hello.revision == 1
    response = browser.post(url, {"source": FLOW.replace("world", "you")})
    assert response.status_code == 302
    hello.refresh_from_db()
    assert hello.revision == 2 and "defaults: you" in hello.source


def test_new_flow_from_the_editor(browser):
    page = browser.get("/ui/flows/new/")
    assert page.status_code == 200 and b"say_hello" in page.content
    response = browser.post("/ui/flows/new/", {"source": FLOW.replace("hello", "fresh", 1)})
    assert response.status_code == 302 and response["Location"] == "/ui/flows/company.team/fresh/"
    again = browser.post("/ui/flows/new/", {"source": FLOW.replace("hello", "fresh", 1)})
    assert b"Flow id already exists" in again.content


def test_preview_gives_the_graph_and_warnings_with_lines(browser):
    answer = browser.post("/ui/flows/preview/", {"source": NESTED}).json()
    svg = answer["svg"]
    for task in ("both", "left", "right", "check", "yes", "on_error", "cleanup", "nightly"):
        assert f'data-task-id="{task}"' in svg
    assert ">errors</text>" in svg and ">finally</text>" in svg and ">then</text>" in svg
    assert svg.count('class="cluster"') == 2  # Parallel and If hold their children
    legacy = FLOW.replace("io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log")
    answer = browser.post("/ui/flows/preview/", {"source": legacy}).json()
    assert answer["warnings"] and answer["warnings"][0]["line"] == 11
    assert browser.post("/ui/flows/preview/", {"source": "id: [oops"}).json()["svg"] is None


def test_validate_api_answers_the_editor_with_the_session(browser, hello):
    """The editor calls the validate API with its session cookie and CSRF token."""
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(hello.revisions.first().author)
    page = csrf_client.get("/ui/flows/company.team/hello/")
    token = re.search(r'csrf: "([^"]+)"', page.content.decode()).group(1)
    bad = FLOW.replace("type: STRING", "type: NOPE")
    answer = csrf_client.post(
        "/api/v1/main/flows/validate",
        bad,
        content_type="application/x-yaml",
        HTTP_X_CSRFTOKEN=token,
    )
    assert answer.status_code == 200
    violations = answer.json()[0]["violations"]
    assert violations and violations[0]["line"] == 7


def test_revisions_diff_between_any_two(browser, hello, user):
    flow_services.flow_update(
        namespace="company.team", flow_id="hello", source=FLOW.replace("world", "two"), user=user
    )
    flow_services.flow_update(
        namespace="company.team", flow_id="hello", source=FLOW.replace("world", "three"), user=user
    )
    page = browser.get("/ui/flows/company.team/hello/revisions/").content.decode()
    assert '<div class="del">-    defaults: two</div>' in page
    assert '<div class="add">+    defaults: three</div>' in page
    page = browser.get("/ui/flows/company.team/hello/revisions/?a=1&b=3").content.decode()
    assert "-    defaults: world" in page and "+    defaults: three" in page


def test_run_form_has_a_field_per_input_type(browser, user):
    flow_services.flow_create(source=TYPED, user=user)
    page = browser.get("/ui/flows/company.team/typed/execute/").content.decode()
    assert 'type="number" name="count"' in page
    assert 'type="file" name="data"' in page
    assert '<select name="colour"' in page and '<option value="green">' in page
    assert '<select name="tags"' in page and "multiple" in page
    assert 'type="date" name="day"' in page and 'type="datetime-local" name="at"' in page
    assert '<textarea name="doc"' in page


def test_run_form_errors_land_on_their_field(browser, user):
    flow_services.flow_create(source=TYPED, user=user)
    response = browser.post(
        "/ui/flows/company.team/typed/execute/",
        {"count": "twelve", "colour": "red", "tags": ["a"], "doc": "{bad json"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "count" in form.errors and "data" in form.errors and "doc" in form.errors
    assert "colour" not in form.errors
    assert Execution.objects.count() == 0


def test_run_form_creates_an_execution_with_a_file(browser, user):
    flow_services.flow_create(source=TYPED, user=user)
    upload = SimpleUploadedFile("numbers.txt", b"1\n2\n3\n")
    response = browser.post(
        "/ui/flows/company.team/typed/execute/",
        {
            "count": "12",
            "data": upload,
            "colour": "green",
            "tags": ["a", "c"],
            "day": "2026-01-02",
            "at": "2026-01-02T03:04",
            "doc": '{"k": [1, 2]}',
            "_labels": "env:test",
        },
    )
    assert response.status_code == 302
    row = Execution.objects.get()
    assert response["Location"] == f"/ui/executions/{row.id}/"
    assert row.inputs["count"] == 12 and row.inputs["tags"] == ["a", "c"]
    assert row.inputs["colour"] == "green" and row.inputs["doc"] == {"k": [1, 2]}
    assert row.inputs["data"].startswith("kestra:///company/team/typed/executions/")
    assert row.inputs["at"].startswith("2026-01-02T03:04:00")
    assert {"key": "env", "value": "test"} in row.labels
    # The uploaded file is previewed from the execution's page.
    page = browser.get(f"/ui/executions/{row.id}/preview/?path={row.inputs['data']}")
    assert page.status_code == 200 and "1\n2\n3" in page.content.decode()


def test_execution_list_filters_and_partial(browser, hello):
    _execution("SUCCESS", id="okrun")
    _execution("FAILED", id="badrun")
    page = browser.get("/ui/executions/").content.decode()
    assert 'data-execution="okrun"' in page and 'data-execution="badrun"' in page
    page = browser.get("/ui/executions/?state=FAILED").content.decode()
    assert 'data-execution="badrun"' in page and 'data-execution="okrun"' not in page
    partial = browser.get("/ui/executions/?state=SUCCESS&partial=1").content.decode()
    assert "<html" not in partial and 'data-execution="okrun"' in partial
    for query in ("namespace=company", "flow=hello", "labels=team:data", "start=2000-01-01"):
        assert 'data-execution="okrun"' in browser.get(f"/ui/executions/?{query}").content.decode()
    for query in ("namespace=acme", "flow=other", "labels=team:x", "end=2000-01-01"):
        assert (
            'data-execution="okrun"' not in browser.get(f"/ui/executions/?{query}").content.decode()
        )


def test_execution_page_gantt_graph_logs_and_reasons(browser, hello):
    row = _execution("RUNNING", id="runner")
    now = datetime.now(UTC)
    attempt = {
        "state": {
            "current": "FAILED",
            "histories": [
                {"state": "RUNNING", "date": (now - timedelta(seconds=8)).isoformat()},
                {"state": "FAILED", "date": (now - timedelta(seconds=6)).isoformat()},
            ],
        }
    }
    TaskRun.objects.create(
        id="tr1",
        execution=row,
        position=0,
        task_id="say",
        state="RETRYING",
        attempts=[attempt],
        next_retry_date=now + timedelta(minutes=5),
        start_date=now - timedelta(seconds=8),
    )
    LogEntry.objects.create(
        execution=row, namespace="company.team", flow_id="hello", level="INFO",
        message="a log line", timestamp=now, task_id="say",
    )  # fmt: skip
    page = browser.get("/ui/executions/runner/").content.decode()
    assert 'data-task-id="say" data-state="RETRYING"' in page  # Gantt row
    assert 'class="bar FAILED"' in page  # its first attempt
    assert 'class="node task state-RETRYING"' in page  # the graph, coloured
    assert "say: waiting for a retry at" in page
    assert 'data-follow="/api/v1/main/logs/runner/follow"' in page
    assert 'id="kill"' in page and 'id="pause"' in page and 'id="restart"' not in page
    # Kestra's UI address for an execution leads here too.
    response = browser.get("/ui/main/executions/company.team/hello/runner")
    assert response.status_code == 302 and response["Location"] == "/ui/executions/runner/"


def test_queued_execution_says_which_execution_holds_the_limit(browser, user):
    # Its own flow id: compiled plans are cached per (namespace, flow, revision) per process.
    source = FLOW.replace("id: hello", "id: limited").replace(
        "tasks:", "concurrency:\n  limit: 1\ntasks:", 1
    )
    flow_services.flow_create(source=source, user=user)
    _execution("RUNNING", id="holder", flow_id="limited")
    _execution("QUEUED", id="waiter", flow_id="limited")
    page = browser.get("/ui/executions/waiter/").content.decode()
    assert "concurrency limit (1): held by execution holder" in page


def test_a_task_run_waiting_for_a_worker_group_says_so(browser, hello):
    row = _execution("RUNNING", id="gpu")
    TaskRun.objects.create(
        id="tr2", execution=row, position=0, task_id="say", state="SUBMITTED", worker_group="gpu"
    )
    page = browser.get("/ui/executions/gpu/").content.decode()
    assert "say: no live worker in group gpu" in page


def test_actions_go_through_the_services(browser, hello):
    _execution("SUCCESS", id="done")
    response = browser.post("/ui/executions/done/actions/kill/", follow=True)
    assert "Kill refused: state: Execution done is already SUCCESS" in response.content.decode()
    response = browser.post("/ui/executions/done/actions/restart/", follow=True)
    assert "Restart refused" in response.content.decode()
    response = browser.post("/ui/executions/done/actions/replay/")
    new = Execution.objects.exclude(pk="done").get()
    assert response["Location"] == f"/ui/executions/{new.id}/" and new.original_id == "done"
    assert browser.get("/ui/executions/done/actions/kill/").status_code == 405


def test_triggers_page_and_disable(browser, user):
    flow_services.flow_create(source=NESTED, user=user)
    page = browser.get("/ui/triggers/").content.decode()
    assert 'data-trigger="company.team.nested.nightly"' in page
    from scheduler.models import Trigger

    row = Trigger.objects.get(trigger_id="nightly")
    assert row.next_date is not None
    assert row.next_date.strftime("%Y-%m-%d %H:%M:%S") in page
    response = browser.post(f"/ui/triggers/{row.pk}/disable/", follow=True)
    assert "Trigger nightly disabled." in response.content.decode()
    row.refresh_from_db()
    assert row.disabled
    response = browser.post(f"/ui/triggers/{row.pk}/unlock/", follow=True)
    assert "Unlock refused" in response.content.decode()


def test_workers_page_shows_groups_and_running_jobs(browser, hello):
    from workers.models import WorkerInstance

    row = _execution("RUNNING", id="busy")
    TaskRun.objects.create(id="tr3", execution=row, position=0, task_id="say", state="RUNNING")
    now = datetime.now(UTC)
    WorkerInstance.objects.create(
        worker_id="w1@host", hostname="host", pid=42, queues=["default"],
        running=["tr3:1"], started=now, last_seen=now,
    )  # fmt: skip
    page = browser.get("/ui/workers/").content.decode()
    assert 'data-worker="w1@host"' in page and "hello/say</a> attempt 1" in page


def test_namespace_kv_and_files(browser, hello):
    url = "/ui/namespaces/company.team/"
    browser.post(url, {"kind": "kv", "key": "answer", "value": "42"})
    browser.post(url, {"kind": "kv", "key": "bad key!", "value": "1"})
    upload = SimpleUploadedFile("query.sql", b"select 1")
    browser.post(url, {"kind": "file", "folder": "sql", "file": upload})
    page = browser.get(url).content.decode()
    assert ">answer</td>" in page and "NUMBER" in page
    assert "bad key!" not in page.split('id="kv"')[1].split("</table>")[0]
    assert "sql/" in page
    page = browser.get(url + "?path=sql").content.decode()
    assert "query.sql" in page
    download = browser.get("/ui/namespaces/company.team/file/?path=sql/query.sql&download=1")
    assert b"".join(download.streaming_content) == b"select 1"
    assert "company.team" in browser.get("/ui/namespaces/").content.decode()


def test_dashboard_counts_by_day_state_and_flow(browser, hello):
    _execution("SUCCESS", id="d1")
    _execution("FAILED", id="d2")
    _execution("FAILED", id="d3")
    response = browser.get("/ui/")
    page = response.content.decode()
    assert response.context["totals"] == {"total": 3, "success": 1, "failed": 2, "running": 0}
    assert f"{datetime.now(UTC):%Y-%m-%d} FAILED: 2" in page
    assert response.context["failures"][0] == {
        "namespace": "company.team",
        "flow_id": "hello",
        "n": 2,
    }
    assert "10.00 s</title>" in page  # the average duration today


def test_static_assets_are_served_locally(client, db):
    for asset in ("ui/app.css", "ui/editor.js", "ui/execution.js", "ui/refresh.js"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200, asset


PAUSING = """id: approval
namespace: company.team
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: count
        type: INT
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.approve.onResume.count }}"
"""


def test_paused_execution_offers_resume_with_its_inputs(browser, user):
    flow_services.flow_create(source=PAUSING, user=user)
    row = _execution("PAUSED", id="paused", flow_id="approval")
    TaskRun.objects.create(id="tr4", execution=row, position=0, task_id="approve", state="PAUSED")
    page = browser.get("/ui/executions/paused/").content.decode()
    assert 'id="resume-card"' in page and 'name="input_count"' in page
    response = browser.post("/ui/executions/paused/actions/resume/", {"input_count": "x"})
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and messages[0].startswith("Resume refused: inputs.count:")
    row.refresh_from_db()
    assert row.state == "PAUSED"


def test_trigger_backfill_starts_from_the_form(browser, user):
    flow_services.flow_create(source=NESTED, user=user)
    from scheduler.models import Trigger

    row = Trigger.objects.get(trigger_id="nightly")
    response = browser.post(
        f"/ui/triggers/{row.pk}/backfill/", {"start": "2026-01-01T00:00", "end": ""}, follow=True
    )
    assert "Backfill of nightly started." in response.content.decode()
    row.refresh_from_db()
    assert row.backfill["start"].startswith("2026-01-01T00:00:00")
    response = browser.post(f"/ui/triggers/{row.pk}/backfill/", {"start": "yesterday"}, follow=True)
    assert "Backfill refused: backfill.start:" in response.content.decode()


def test_labels_of_a_terminated_execution_are_edited(browser, hello):
    row = _execution("SUCCESS", id="labelled")
    row.labels = [*row.labels, {"key": "system.correlationId", "value": "labelled"}]
    row.save()
    assert 'id="save-labels"' in browser.get("/ui/executions/labelled/").content.decode()
    browser.post("/ui/executions/labelled/actions/labels/", {"labels": "env:prod\nteam: ops\n"})
    row.refresh_from_db()
    assert row.labels == [
        {"key": "env", "value": "prod"},
        {"key": "team", "value": "ops"},
        {"key": "system.correlationId", "value": "labelled"},
    ]
    response = browser.post("/ui/executions/labelled/actions/labels/", {"labels": "oops"})
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[-1] == "Labels refused: labels: write key:value, got 'oops'"
