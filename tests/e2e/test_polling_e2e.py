"""Polling triggers on the real cluster: the executor's `scheduler.poll` sends the evaluation
to a worker, the worker calls a local HTTP server (or reads the KV store) and answers, and the
executor creates exactly one execution; with a real beat too."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.core.files.storage import FileSystemStorage

from executions import dispatch
from executions.models import Execution
from flows import services as flow_services
from kestra_site.celery import app
from kestra_site.storage import InternalStorage
from scheduler.models import ScheduledRun, Trigger
from tests.e2e.conftest import wait_for, wait_terminal
from tests.e2e.test_standalone import free_port, processes_using
from tests.processes import REPO, Component
from workers.plugins.kvstore import KVStore

pytestmark = pytest.mark.e2e

BEAT = ["beat", "-S", "django_celery_beat.schedulers:DatabaseScheduler", "--loglevel=INFO"]


class Counter(BaseHTTPRequestHandler):
    """Answers 503 until `ready_after` requests were made, 200 on that one only, then 503."""

    hits = 0
    ready_after = 1
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        with Counter.lock:
            Counter.hits += 1
            ready = Counter.hits == Counter.ready_after
        body = json.dumps({"hit": Counter.hits}).encode()
        self.send_response(200 if ready else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    Counter.hits, Counter.ready_after = 0, 1
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def http_flow(server: str, interval: str = "PT60S") -> str:
    return f"""
id: http-poll
namespace: e2e.poll
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ json(trigger.body).hit }}}}"
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: {server}/status
    interval: {interval}
"""


KV_FLOW = """
id: kv-poll
namespace: e2e.poll
tasks:
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.event }} {{ trigger.value }}"
triggers:
  - id: flag
    type: io.kestra.plugin.core.kv.Trigger
    key: release
"""


def tick(trigger_id: str, flow_id: str) -> None:
    """What beat sends on each interval."""
    app.send_task(
        dispatch.POLL_TASK,
        kwargs={"namespace": "e2e.poll", "flow_id": flow_id, "trigger_id": trigger_id},
        queue=dispatch.EXECUTOR_QUEUE,
    )


def test_http_trigger_evaluated_on_a_worker_creates_one_execution(running, server):
    flow_services.flow_create(source=http_flow(server))
    for _ in range(3):  # ticks racing: one evaluation goes out
        tick("http", "http-poll")
    execution = wait_for(lambda: Execution.objects.filter(flow_id="http-poll").first(), 90)
    assert wait_terminal(execution.id, 90).state == "SUCCESS"
    assert Counter.hits == 1
    assert Execution.objects.filter(flow_id="http-poll").count() == 1
    execution.refresh_from_db()
    variables = execution.trigger["variables"]
    assert execution.trigger["id"] == "http"
    assert variables["code"] == 200 and variables["uri"] == f"{server}/status"
    assert execution.task_runs.get(task_id="echo").outputs == {"value": "1"}
    row = Trigger.objects.get(flow_id="http-poll", trigger_id="http")
    assert row.evaluating_since is None
    assert ScheduledRun.objects.get(flow_id="http-poll").execution_id == execution.id
    wait_for(lambda: Trigger.objects.get(pk=row.pk).execution_id == "", 30)  # ended: unlocked
    # the next evaluation: the condition is false now, nothing more starts
    tick("http", "http-poll")
    wait_for(lambda: Counter.hits == 2, 60)
    wait_for(lambda: Trigger.objects.get(pk=row.pk).evaluating_since is None, 60)
    assert Execution.objects.filter(flow_id="http-poll").count() == 1


def test_kv_trigger_starts_on_a_new_then_changed_value(running):
    kv = KVStore(InternalStorage(), "e2e.poll")
    kv.delete("release")
    flow_services.flow_create(source=KV_FLOW)
    row = Trigger.objects.get(flow_id="kv-poll")

    def evaluated(count: int):
        before = Trigger.objects.get(pk=row.pk).context.get("lastEvaluation")
        tick("flag", "kv-poll")

        def answered():
            current = Trigger.objects.get(pk=row.pk)
            last = current.context.get("lastEvaluation")
            return current.evaluating_since is None and last is not None and last != before

        wait_for(answered, 60)
        ids = (
            Execution.objects.filter(flow_id="kv-poll")
            .order_by("created")
            .values_list("id", flat=True)
        )
        done = [wait_terminal(execution_id, 90) for execution_id in ids]
        assert len(done) == count
        return done

    evaluated(0)  # no key yet
    kv.put("release", "v1")
    first = evaluated(1)[0]
    evaluated(1)  # unchanged
    kv.put("release", "v2")
    runs = evaluated(2)
    assert [r.trigger["variables"]["event"] for r in runs] == ["CREATE", "UPDATE"]
    assert [r.trigger["variables"]["value"] for r in runs] == ["v1", "v2"]
    assert first.state == "SUCCESS"
    assert runs[1].task_runs.get(task_id="echo").outputs == {"value": "UPDATE v2"}
    kv.delete("release")


def test_real_beat_polls_until_the_condition_holds_once(running, server, tmp_path):
    Counter.ready_after = 3  # 503, 503, 200, then 503 again
    flow_services.flow_create(source=http_flow(server, interval="PT1S"))
    beat = Component("beat-poll", [*BEAT, "--pidfile="], running.env(), tmp_path / "beat.log")
    try:
        beat.start()
        execution = wait_for(lambda: Execution.objects.filter(flow_id="http-poll").first(), 120)
        assert wait_terminal(execution.id, 90).state == "SUCCESS"
        wait_for(lambda: Counter.hits >= 5, 60)  # beat keeps polling after the execution
    finally:
        beat.stop()
    time.sleep(1)  # ticks already sent finish
    assert Execution.objects.filter(flow_id="http-poll").count() == 1
    assert ScheduledRun.objects.filter(flow_id="http-poll").count() == 1
    assert json.loads(execution.trigger["variables"]["body"]) == {"hit": 3}


def test_standalone_polls_with_its_own_beat_and_worker(tmp_path):
    """`manage.py standalone` (SQLite, embedded broker, its beat and `default` worker)."""
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "kv.yaml").write_text(
        KV_FLOW.replace("key: release", "key: release\n    interval: PT1S")
    )
    port, storage = free_port(), tmp_path / "storage"
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KESTRA_BROKER_DIR=str(tmp_path / "broker"),
        KESTRA_STORAGE_ROOT=str(storage),
        KESTRA_ADMIN_USER="admin",
        KESTRA_ADMIN_PASSWORD="standalone-pw",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "standalone.log"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "standalone", "--port", str(port), "--flows", str(flows)],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base, auth = f"http://127.0.0.1:{port}", ("admin", "standalone-pw")

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return requests.get(f"{base}/health", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def executions() -> list[dict]:
        try:
            answer = requests.get(
                f"{base}/api/v1/main/executions/search",
                params={"namespace": "e2e.poll", "flowId": "kv-poll"},
                auth=auth,
                timeout=10,
            )
        except requests.ConnectionError:
            return []
        assert process.poll() is None, log.read_text()
        return answer.json()["results"] if answer.status_code == 200 else []

    try:
        wait_for(healthy, 240, interval=0.5)
        KVStore(InternalStorage(FileSystemStorage(location=str(storage))), "e2e.poll").put(
            "release", "standalone"
        )
        found = wait_for(
            lambda: [e for e in executions() if e["state"]["current"] == "SUCCESS"], 180
        )
        assert found[0]["trigger"]["variables"]["value"] == "standalone"
        time.sleep(3)  # more ticks: the value did not change, nothing more starts
        assert len(executions()) == 1
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for pid in processes_using(str(tmp_path)):
            os.kill(pid, signal.SIGKILL)
