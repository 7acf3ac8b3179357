"""`scheduler.poll` and `scheduler.polled`: one evaluation out at a time, one execution per
evaluation however often its answer is delivered, nothing when the condition is false."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from executions.models import Execution
from flows import services
from kestra_site.storage import InternalStorage
from scheduler import polling, polling_tasks
from scheduler.models import ScheduledRun, Trigger
from workers.plugins.kvstore import KVStore
from workers.tasks import evaluate_poll

pytestmark = pytest.mark.django_db

HTTP_KEY = {"namespace": "company.team", "flow_id": "watcher", "trigger_id": "http"}
KV_KEY = {**HTTP_KEY, "trigger_id": "flag"}
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


class Handler(BaseHTTPRequestHandler):
    status = 200

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"ready": Handler.status == 200}).encode()
        self.send_response(Handler.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def source(server: str, extra: str = "") -> str:
    return f"""id: watcher
namespace: company.team
inputs:
  - id: n
    type: INT
    defaults: 1
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.body }}}}"
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: {server}/ready
    interval: PT10S
    labels:
      from: poll
    stopAfter: [SUCCESS]
{extra}
  - id: flag
    type: io.kestra.plugin.core.kv.Trigger
    key: go
    interval: PT1S
"""


@pytest.fixture
def sent(monkeypatch):
    """Jobs `trigger_poll` publishes after commit: (job, queue)."""
    calls = []
    monkeypatch.setattr(polling, "_send", lambda job, queue, expires: calls.append((job, queue)))
    return calls


@pytest.fixture
def flow(server):
    Handler.status = 200
    return services.flow_create(source=source(server))


def poll(key, now, callbacks):
    with callbacks(execute=True):
        return polling.trigger_poll(**key, now=now)


def test_poll_marks_the_trigger_in_flight_and_sends_one_job(
    flow, sent, django_capture_on_commit_callbacks
):
    job = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    assert sent == [(job, "default")]
    assert job["date"] == "2026-01-01T09:00:00Z"
    assert job["trigger"]["uri"].endswith("/ready")
    assert job["variables"]["flow"] == {
        "id": "watcher",
        "namespace": "company.team",
        "revision": 1,
        "tenantId": "main",
    }
    row = Trigger.objects.get(**HTTP_KEY)
    assert row.evaluating_since == T0
    assert row.context["evaluation"] == job["date"]
    # in flight: later ticks send nothing until the evaluation times out (60 s at least)
    assert poll(HTTP_KEY, T0 + timedelta(seconds=59), django_capture_on_commit_callbacks) is None
    assert len(sent) == 1
    again = poll(HTTP_KEY, T0 + timedelta(seconds=61), django_capture_on_commit_callbacks)
    assert again["date"] == "2026-01-01T09:01:01Z"
    assert len(sent) == 2


def test_the_job_goes_to_the_trigger_worker_group(
    server, sent, settings, django_capture_on_commit_callbacks
):
    settings.KESTRA = {**settings.KESTRA, "WORKER_GROUPS": ["default", "gpu"]}
    services.flow_create(source=source(server, extra="    workerGroup:\n      key: gpu\n"))
    poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    poll(KV_KEY, T0, django_capture_on_commit_callbacks)
    assert [queue for _, queue in sent] == ["gpu", "default"]


def test_disabled_trigger_or_flow_sends_nothing(flow, sent, django_capture_on_commit_callbacks):
    services.flow_set_trigger_disabled(**HTTP_KEY, disabled=True)
    assert poll(HTTP_KEY, T0, django_capture_on_commit_callbacks) is None
    services.flow_set_trigger_disabled(**HTTP_KEY, disabled=False)
    services.flow_set_disabled(namespace="company.team", flow_id="watcher", disabled=True)
    assert poll(HTTP_KEY, T0, django_capture_on_commit_callbacks) is None
    assert sent == []


def test_a_firing_answer_creates_one_execution_however_often_delivered(
    flow, sent, django_capture_on_commit_callbacks
):
    job = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    answer = evaluate_poll(job)  # what a worker does, in process
    assert answer["fire"] and answer["error"] is None
    run = polling_tasks.polled(answer)
    assert run is True
    assert polling.trigger_polled(answer) is None  # redelivered
    assert polling_tasks.polled(answer) is False
    execution = Execution.objects.get()
    assert execution.trigger["id"] == "http"
    assert execution.trigger["type"] == "io.kestra.plugin.core.http.Trigger"
    variables = execution.trigger["variables"]
    assert variables["code"] == 200 and json.loads(variables["body"]) == {"ready": True}
    assert variables["uri"].endswith("/ready")
    assert {"key": "from", "value": "poll"} in execution.labels
    assert execution.inputs == {"n": 1}
    run = ScheduledRun.objects.get(**HTTP_KEY)
    assert run.scheduled_date == T0 and run.execution_id == execution.id
    row = Trigger.objects.get(**HTTP_KEY)
    assert row.evaluating_since is None
    assert row.execution_id == execution.id
    assert row.last_date == T0 and row.next_date == T0 + timedelta(seconds=10)
    assert "evaluation" not in row.context


def test_a_false_condition_creates_nothing_and_frees_the_trigger(
    flow, sent, django_capture_on_commit_callbacks
):
    Handler.status = 503
    job = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    answer = evaluate_poll(job)
    assert not answer["fire"]
    assert polling.trigger_polled(answer) is None
    assert not Execution.objects.exists() and not ScheduledRun.objects.exists()
    assert Trigger.objects.get(**HTTP_KEY).evaluating_since is None
    # the next tick evaluates again at once
    assert poll(HTTP_KEY, T0 + timedelta(seconds=10), django_capture_on_commit_callbacks)


def test_an_answer_after_its_evaluation_was_given_up_is_dropped(
    flow, sent, django_capture_on_commit_callbacks
):
    first = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    second = poll(HTTP_KEY, T0 + timedelta(minutes=2), django_capture_on_commit_callbacks)
    assert polling.trigger_polled(evaluate_poll(first)) is None
    assert not Execution.objects.exists()
    assert polling.trigger_polled(evaluate_poll(second)) is not None
    assert Execution.objects.count() == 1


def test_no_evaluation_while_the_trigger_execution_runs(
    flow, sent, django_capture_on_commit_callbacks
):
    job = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    polling.trigger_polled(evaluate_poll(job))
    execution = Execution.objects.get()
    assert poll(HTTP_KEY, T0 + timedelta(seconds=10), django_capture_on_commit_callbacks) is None
    Execution.objects.filter(id=execution.id).update(state="SUCCESS")
    assert poll(HTTP_KEY, T0 + timedelta(seconds=20), django_capture_on_commit_callbacks)


def test_an_evaluation_error_keeps_the_state_and_is_recorded(
    flow, sent, django_capture_on_commit_callbacks
):
    Trigger.objects.filter(**KV_KEY).update(context={"state": {"fingerprint": "old"}})
    job = poll(KV_KEY, T0, django_capture_on_commit_callbacks)
    assert job["state"] == {"fingerprint": "old"}
    answer = {**evaluate_poll(job), "error": "boom", "state": None, "fire": False}
    polling.trigger_polled(answer)
    row = Trigger.objects.get(**KV_KEY)
    assert row.context["state"] == {"fingerprint": "old"}
    assert row.context["lastError"] == "boom"


def test_kv_trigger_state_travels_with_the_jobs(flow, sent, django_capture_on_commit_callbacks):
    kv = KVStore(InternalStorage(), "company.team")
    kv.delete("go")
    moments = iter(T0 + timedelta(seconds=s) for s in range(0, 100, 2))

    def round_trip():
        job = poll(KV_KEY, next(moments), django_capture_on_commit_callbacks)
        polling.trigger_polled(evaluate_poll(job))
        execution = Execution.objects.filter(trigger__id="flag").order_by("-created").first()
        if execution is not None:  # the trigger waits for its execution: end it
            Execution.objects.filter(id=execution.id).update(state="SUCCESS")
        return Execution.objects.filter(trigger__id="flag").count()

    assert round_trip() == 0  # no key
    kv.put("go", "one")
    assert round_trip() == 1
    assert round_trip() == 1  # unchanged
    kv.put("go", "two")
    assert round_trip() == 2
    events = [
        (e.trigger["variables"]["event"], e.trigger["variables"]["value"])
        for e in Execution.objects.filter(trigger__id="flag").order_by("created")
    ]
    assert events == [("CREATE", "one"), ("UPDATE", "two")]
    kv.delete("go")


def test_poll_task_wraps_the_service(flow, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert polling_tasks.poll(**HTTP_KEY) is True
        assert polling_tasks.poll(**HTTP_KEY) is False
    assert len(sent) == 1


def test_the_date_claim_alone_also_stops_a_second_execution(
    flow, sent, django_capture_on_commit_callbacks
):
    job = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    answer = evaluate_poll(job)
    polling.trigger_polled(answer)
    # as if the in-flight mark had been put back for the same date (two executors racing)
    Trigger.objects.filter(**HTTP_KEY).update(context={"evaluation": job["date"]})
    assert polling.trigger_polled(answer) is None
    assert Execution.objects.count() == 1


def test_stop_after_disables_the_trigger_through_the_general_hook(
    flow, sent, django_capture_on_commit_callbacks
):
    from scheduler.actions import trigger_execution_ended

    job = poll(HTTP_KEY, T0, django_capture_on_commit_callbacks)
    polling.trigger_polled(evaluate_poll(job))
    execution = Execution.objects.get()
    execution.state = "SUCCESS"  # the trigger says stopAfter: [SUCCESS]
    execution.save(update_fields=["state"])
    trigger_execution_ended(execution, flow.definition)
    row = Trigger.objects.get(**HTTP_KEY)
    assert row.disabled and row.execution_id == ""
    assert poll(HTTP_KEY, T0 + timedelta(seconds=30), django_capture_on_commit_callbacks) is None
    # a flow save keeps the trigger context's flag
    services.flow_update(
        namespace="company.team", flow_id="watcher", source=flow.source + "\n# touched\n"
    )
    assert Trigger.objects.get(**HTTP_KEY).disabled
    assert poll(HTTP_KEY, T0 + timedelta(seconds=60), django_capture_on_commit_callbacks) is None
    assert len(sent) == 1
