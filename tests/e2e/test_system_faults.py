"""Failures caused for real: a broker restarted empty under load, a killed execution whose
worker died, a burst of starts against a concurrency limit. Each ends with the invariant
checker (tests/invariants.py) on a settled system."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from executions import services, tasks
from executions.models import Execution, TaskRun
from flows import services as flow_services
from tests.conftest import sweep_until, wait_for
from tests.invariants import check_invariants
from tests.processes import Cluster, broker_pointed_at, free_port
from workers.models import WorkerInstance

pytestmark = pytest.mark.e2e


# --- a killed execution whose worker died --------------------------------------------------

SLEEPER = """
id: killed-sleeper
namespace: e2e.faults
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT120S
    workerGroup:
      key: g3
"""


def test_a_killed_execution_whose_worker_died_is_not_resubmitted(running, settings):
    settings.KESTRA = {
        **settings.KESTRA,
        "WORKER_GROUPS": ["default", "g3"],
        "HEARTBEAT_TIMEOUT_SECONDS": 4,
    }
    env = running.env(KESTRA_HEARTBEAT_SECONDS="1")
    doomed = running.add("g3-a", "g3", env=env, concurrency=1)
    spare = None
    try:
        flow_services.flow_create(source=SLEEPER)
        row = services.execution_create(namespace="e2e.faults", flow_id="killed-sleeper")
        nap = wait_for(lambda: TaskRun.objects.filter(execution_id=row.id, task_id="nap").first())
        wait_for(
            lambda: any(
                f"{nap.id}:1" in w.running
                for w in WorkerInstance.objects.filter(worker_id__startswith="g3-a")
            ),
            timeout=60,
        )
        doomed.kill()  # SIGKILL: the worker dies holding the attempt
        services.execution_kill(row.id)
        wait_for(lambda: Execution.objects.get(pk=row.id).state == "KILLED", timeout=60)
        spare = running.add("g3-b", "g3", env=env, concurrency=1)
        # Well past the heartbeat timeout, the sweeper must leave the killed attempt alone.
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:
            tasks.sweep(stale_seconds=1.0)
            time.sleep(1)
        nap.refresh_from_db()
        states = [a["state"]["current"] for a in nap.attempts]
        assert "RESUBMITTED" not in states and len(states) == 1, states
        assert Execution.objects.get(pk=row.id).state == "KILLED"
        held = {
            j
            for w in WorkerInstance.objects.filter(worker_id__startswith="g3-b")
            for j in w.running
        }
        assert not held, held
        assert check_invariants() == []
    finally:
        running.remove(doomed)
        if spare is not None:
            running.remove(spare)


# --- a burst of starts against a concurrency limit -------------------------------------------

LIMITED = """
id: limited
namespace: e2e.faults
concurrency:
  limit: 2
  behavior: QUEUE
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.3S
"""


def test_a_burst_of_50_starts_never_runs_more_than_the_limit(running):
    flow_services.flow_create(source=LIMITED)
    seen: list[int] = []
    stop = threading.Event()

    def watch():
        from django.db import connection

        try:
            while not stop.is_set():
                seen.append(Execution.objects.filter(flow_id="limited", state="RUNNING").count())
                time.sleep(0.02)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ids: list[str] = []
    errors: list[BaseException] = []

    def start():
        from django.db import connection

        try:
            ids.append(services.execution_create(namespace="e2e.faults", flow_id="limited").id)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    starters = [threading.Thread(target=start) for _ in range(50)]
    for thread in starters:
        thread.start()
    for thread in starters:
        thread.join()
    assert not errors, errors
    try:
        sweep_until(
            lambda: Execution.objects.filter(id__in=ids, state="SUCCESS").count() == 50,
            timeout=300,
        )
    finally:
        stop.set()
        watcher.join()
    assert max(seen) <= 2, f"up to {max(seen)} RUNNING at once"
    assert check_invariants() == []


# --- the broker restarted and emptied with work in flight ------------------------------------

FANOUT = """
id: fanout
namespace: e2e.faults
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 20) }}"
    concurrencyLimit: 0
    tasks:
      - id: work
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT1S
"""


class PrivateRedis:
    """A Redis server of this test's own, which it may stop and empty at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # nothing is saved: it comes back empty
            self.process.wait(10)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # not up yet
        return False


def _restart_exited(nodes: Cluster) -> bool:
    for component in nodes.components:
        if component.process is not None and component.process.poll() is not None:
            component.start()
    return True


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs the redis-server binary")
def test_redis_restarted_empty_with_200_task_runs_in_flight(running, settings, tmp_path):
    settings.KESTRA = {**settings.KESTRA, "HEARTBEAT_TIMEOUT_SECONDS": 4}
    server = PrivateRedis(tmp_path)
    server.start()
    nodes = Cluster(running.database_url, tmp_path, broker=server.url)
    env = nodes.env(KESTRA_HEARTBEAT_SECONDS="1")
    try:
        nodes.add("fx-executor", "executor", pool="threads", concurrency=4, env=env)
        nodes.add("fx-worker", "default", concurrency=4, env=env)
        with broker_pointed_at(server.url):
            nodes.wait_ready()
            flow_services.flow_create(source=FANOUT)
            ids = [
                services.execution_create(namespace="e2e.faults", flow_id="fanout").id
                for _ in range(16)
            ]  # 16 x 19 task runs of work (ForEach starts them all at once), plus the ForEach's
            wait_for(
                lambda: (
                    TaskRun.objects.filter(
                        execution_id__in=ids, task_id="work", state__in=["CREATED", "RUNNING"]
                    ).count()
                    >= 200
                ),
                timeout=120,
            )
            in_flight = TaskRun.objects.filter(
                execution_id__in=ids, task_id="work", state__in=["CREATED", "RUNNING"]
            ).count()
            server.stop()  # every queued job, result and tick is gone
            time.sleep(2)
            server.start()
            # A process that exits on the lost connection is restarted, as systemd
            # (Restart=always), compose and `manage.py standalone` do.
            sweep_until(
                lambda: (
                    _restart_exited(nodes)
                    and Execution.objects.filter(id__in=ids, state="SUCCESS").count() == len(ids)
                ),
                timeout=300,
            )
        assert in_flight >= 200
        works = TaskRun.objects.filter(execution_id__in=ids, task_id="work")
        per_execution = {i: works.filter(execution_id=i).count() for i in ids}
        assert len(set(per_execution.values())) == 1 and per_execution[ids[0]] >= 19
        assert all(t.state == "SUCCESS" for t in works)
        assert check_invariants() == []
    finally:
        nodes.stop()
        server.stop()


# --- PostgreSQL gone for a while ------------------------------------------------------------


def _database_outage(name: str, seconds: float) -> int:
    """What the components see when PostgreSQL restarts: every connection to the database is
    cut and new ones are refused for a while. Done to the test database only, so the other
    databases of this server (and whoever uses them) are not disturbed."""
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    admin = psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        dbname="postgres",
        autocommit=True,
    )
    try:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            [name],
        ).fetchone()[0]
        time.sleep(seconds)
    finally:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()
    return cut


def test_postgres_connections_cut_and_refused_mid_run(running, settings):
    from django.db import connection

    settings.KESTRA = {**settings.KESTRA, "HEARTBEAT_TIMEOUT_SECONDS": 4}
    source = FANOUT.replace("range(1, 20)", "range(1, 8)").replace("PT1S", "PT2S")
    flow_services.flow_create(source=source)
    ids = [services.execution_create(namespace="e2e.faults", flow_id="fanout").id for _ in range(6)]
    wait_for(
        lambda: TaskRun.objects.filter(execution_id__in=ids, task_id="work").count() >= 12,
        timeout=120,
    )
    name = connection.settings_dict["NAME"]
    open_before = Execution.objects.filter(id__in=ids).exclude(state="SUCCESS").count()
    connection.close()
    cut = _database_outage(name, seconds=5)
    connection.close()  # this process's connection was cut too
    assert cut >= 1 and open_before > 0  # work was in flight when the connections were cut
    sweep_until(
        lambda: Execution.objects.filter(id__in=ids, state="SUCCESS").count() == len(ids),
        timeout=300,
    )
    works = TaskRun.objects.filter(execution_id__in=ids, task_id="work")
    assert all(t.state == "SUCCESS" for t in works)
    assert check_invariants() == []
