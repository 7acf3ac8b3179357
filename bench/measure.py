"""Each measurement builds its flows, drives the running cluster and returns figures."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import requests

from bench.cluster import ADMIN, Cluster, tree_cpu_seconds, tree_rss_mb

NAMESPACE = "bench"
LOG = "io.kestra.plugin.core.log.Log"


COMPONENTS = ("webserver", "executor", "executor2", "worker")


def cpu(cluster: Cluster) -> dict[str, float]:
    """CPU seconds used so far by each running component (process trees)."""
    return {
        name: tree_cpu_seconds(cluster.processes[name].pid)
        for name in COMPONENTS
        if name in cluster.processes
    }


def cpu_per(before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
    """CPU milliseconds per unit of work, per component (both executors count as one)."""
    out: dict[str, float] = {}
    for name, seconds in after.items():
        key = "executor" if name.startswith("executor") else name
        out[key] = out.get(key, 0.0) + (seconds - before.get(name, 0.0)) * 1000 / count
    return out


def _session() -> requests.Session:
    session = requests.Session()
    session.auth = ADMIN
    return session


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def put_flow(source: str) -> None:
    from flows import services
    from flows.models import Flow

    parsed = services.flow_parse(source)
    if Flow.objects.filter(namespace=parsed.namespace, flow_id=parsed.id).exists():
        services.flow_update(namespace=parsed.namespace, flow_id=parsed.id, source=source)
    else:
        services.flow_create(source=source)


def log_flow(flow_id: str, count: int, extra: str = "") -> str:
    tasks = "".join(
        f"  - id: t{i}\n    type: {LOG}\n    message: step {i}\n" for i in range(1, count + 1)
    )
    return f"id: {flow_id}\nnamespace: {NAMESPACE}\n{extra}tasks:\n{tasks}"


def foreach_flow(flow_id: str, count: int) -> str:
    return (
        f"id: {flow_id}\nnamespace: {NAMESPACE}\ntasks:\n"
        f"  - id: each\n    type: io.kestra.plugin.core.flow.ForEach\n"
        f"    values: {json.dumps(list(range(count)))}\n    concurrencyLimit: 0\n"
        f"    tasks:\n      - id: log\n        type: {LOG}\n"
        "        message: '{{ taskrun.value }}'\n"
    )


def start(cluster: Cluster, session: requests.Session, flow_id: str, wait=False) -> dict:
    url = f"{cluster.base_url}/executions/{NAMESPACE}/{flow_id}"
    response = session.post(url, params={"wait": "true"} if wait else None, timeout=600)
    response.raise_for_status()
    return response.json()


def wait_terminal(ids: list[str], timeout: float = 1800) -> list:
    from executions.models import Execution
    from executions.states import State

    terminal = [s.value for s in State if s.is_terminal]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Execution.objects.filter(pk__in=ids).exclude(state__in=terminal).count() == 0:
            return list(Execution.objects.filter(pk__in=ids))
        time.sleep(0.1)
    raise TimeoutError(f"executions not terminal after {timeout}s")


def _date(history: dict) -> datetime:
    return datetime.fromisoformat(history["date"].replace("Z", "+00:00"))


def created_to_end(row) -> float:
    """Seconds from the execution's CREATED to its terminal state, from its own histories."""
    histories = row.state_histories
    return (_date(histories[-1]) - _date(histories[0])).total_seconds()


def sequential(cluster: Cluster, sizes=(10, 50), repeats: int = 3) -> dict:
    """Per-task overhead of flows of N sequential Log tasks (median of `repeats` runs)."""
    session, out = _session(), {}
    for size in sizes:
        put_flow(log_flow(f"seq{size}", size))
        start(cluster, session, f"seq{size}", wait=True)  # warm-up: plan cache, connections
        runs = []
        before = cpu(cluster)
        for _ in range(repeats):
            execution = start(cluster, session, f"seq{size}")
            (row,) = wait_terminal([execution["id"]])
            if row.state != "SUCCESS":
                raise RuntimeError(f"execution {row.id} ended {row.state}")
            runs.append(created_to_end(row) / size * 1000)
        out[f"seq{size}_ms_per_task"] = statistics.median(runs)
        out[f"seq{size}_runs_ms_per_task"] = runs
        for name, ms in cpu_per(before, cpu(cluster), size * repeats).items():
            out[f"seq{size}_cpu_{name}_ms_per_task"] = ms
    return out


def latency(cluster: Cluster, runs: int = 200) -> dict:
    """A one-task flow through the API with wait=true: client-side wall time per run."""
    from executions.models import Execution

    put_flow(log_flow("one", 1))
    session = _session()
    for _ in range(5):
        start(cluster, session, "one", wait=True)
    times, ids = [], []
    for _ in range(runs):
        begin = time.perf_counter()
        execution = start(cluster, session, "one", wait=True)
        times.append((time.perf_counter() - begin) * 1000)
        ids.append(execution["id"])
    server = [created_to_end(r) * 1000 for r in Execution.objects.filter(pk__in=ids)]
    return {
        "latency_p50_ms": percentile(times, 50),
        "latency_p99_ms": percentile(times, 99),
        "latency_server_p50_ms": percentile(server, 50),
        "latency_server_p99_ms": percentile(server, 99),
    }


class MemorySampler(threading.Thread):
    """Peak resident size of each named process tree while running."""

    def __init__(self, cluster: Cluster, names: list[str]) -> None:
        super().__init__(daemon=True)
        self.pids = {n: cluster.processes[n].pid for n in names if n in cluster.processes}
        self.peak = dict.fromkeys(self.pids, 0.0)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], tree_rss_mb(pid))
            self.stopping.wait(0.5)

    def stop(self) -> dict[str, float]:
        self.stopping.set()
        self.join()
        return self.peak


def memory_idle(cluster: Cluster) -> dict:
    return {
        f"rss_idle_{name}_mb": tree_rss_mb(cluster.processes[name].pid)
        for name in ("webserver", "executor", "worker")
    }


def throughput(cluster: Cluster, count: int = 2000, clients: int = 8, label: str = "") -> dict:
    """`count` executions of a 3-task flow started as fast as the API takes them."""
    put_flow(log_flow("three", 3))
    warm = _session()
    start(cluster, warm, "three", wait=True)
    sampler = MemorySampler(cluster, list(COMPONENTS))
    sampler.start()
    local = threading.local()

    def one(_: int) -> str:
        if not hasattr(local, "session"):
            local.session = _session()
        return start(cluster, local.session, "three")["id"]

    before = cpu(cluster)
    load = os.getloadavg()[0]
    begin = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        ids = list(pool.map(one, range(count)))
    intake = time.perf_counter() - begin
    rows = wait_terminal(ids)
    peak = sampler.stop()
    spent = cpu_per(before, cpu(cluster), 3 * count)
    failed = sum(1 for r in rows if r.state != "SUCCESS")
    first = min(_date(r.state_histories[0]) for r in rows)
    last = max(_date(r.state_histories[-1]) for r in rows)
    seconds = (last - first).total_seconds()
    out = {
        f"throughput{label}_executions_per_s": count / seconds,
        f"throughput{label}_task_runs_per_s": 3 * count / seconds,
        f"throughput{label}_api_starts_per_s": count / intake,
        f"throughput{label}_seconds": seconds,
        f"throughput{label}_not_success": failed,
    }
    out.update({f"rss{label}_load_{name}_mb": mb for name, mb in peak.items()})
    out.update({f"throughput{label}_cpu_{name}_ms_per_task_run": ms for name, ms in spent.items()})
    out[f"throughput{label}_cpu_total_ms_per_task_run"] = sum(spent.values())
    out[f"throughput{label}_loadavg_before"] = load
    return out


def foreach(cluster: Cluster, sizes=(100, 1000)) -> dict:
    session, out = _session(), {}
    for size in sizes:
        put_flow(foreach_flow(f"foreach{size}", size))
        execution = start(cluster, session, f"foreach{size}")
        (row,) = wait_terminal([execution["id"]])
        out[f"foreach{size}_s"] = created_to_end(row)
        out[f"foreach{size}_state"] = row.state
    return out


def api(cluster: Cluster, stored: int = 100_000, repeats: int = 20) -> dict:
    """Search and one execution's page with `stored` executions in the table."""
    from django.db import connection

    from executions.models import Execution

    table = Execution._meta.db_table
    have = Execution.objects.count()
    if have < stored:
        # One INSERT ... SELECT: ended executions of a few flows over the last 30 days.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (id, tenant, namespace, flow_id, flow_revision, state,
                  state_histories, start_date, end_date, inputs, outputs, labels, variables,
                  trigger, attempt_number, created, updated)
                SELECT md5(random()::text || g)::varchar(22), 'main', 'bench.api',
                  'flow' || (g %% 20), 1, CASE WHEN g %% 10 = 0 THEN 'FAILED' ELSE 'SUCCESS' END,
                  jsonb_build_array(jsonb_build_object('state', 'CREATED', 'date',
                    to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
                  ts, ts + interval '2 seconds', '{{}}'::jsonb, '{{}}'::jsonb,
                  jsonb_build_array(jsonb_build_object('key', 'team', 'value', 't' || (g %% 7))),
                  NULL, NULL, 1, ts, ts
                FROM (SELECT g, now() - (g || ' seconds')::interval * 25 AS ts
                      FROM generate_series(1, %s) g) s
                """,
                [stored - have],
            )
            cursor.execute(f"ANALYZE {table}")
    session = _session()
    one = Execution.objects.filter(namespace="bench.api").values_list("id", flat=True).first()
    queries = {
        "api_search_ms": ("/executions/search", {"size": 25}),
        "api_search_filtered_ms": (
            "/executions/search",
            {"size": 25, "namespace": "bench.api", "state": "FAILED"},
        ),
        "api_execution_ms": (f"/executions/{one}", None),
    }
    out: dict = {"api_executions_stored": Execution.objects.count()}
    for key, (path, params) in queries.items():
        session.get(cluster.base_url + path, params=params, timeout=60).raise_for_status()
        times = []
        for _ in range(repeats):
            begin = time.perf_counter()
            session.get(cluster.base_url + path, params=params, timeout=60).raise_for_status()
            times.append((time.perf_counter() - begin) * 1000)
        out[key] = statistics.median(times)
    return out


def scheduler(cluster: Cluster, flows: int = 1000) -> dict:
    """`flows` flows on a per-minute schedule: start times after the minute they fire for."""
    from django.db import transaction

    from executions.models import Execution
    from scheduler.models import ScheduledRun

    trigger = (
        "triggers:\n  - id: minute\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        "    cron: '* * * * *'\n"
    )
    begin = time.perf_counter()
    with transaction.atomic():
        for i in range(flows):
            put_flow(
                f"id: sched{i}\nnamespace: bench.sched\n{trigger}"
                f"tasks:\n  - id: t\n    type: {LOG}\n    message: tick\n"
            )
    setup = time.perf_counter() - begin
    cluster.start_beat()
    try:
        # The first whole minute that starts at least 15 s after beat is up.
        now = datetime.now().astimezone()
        minute = (now + timedelta(seconds=75)).replace(second=0, microsecond=0)
        deadline = time.time() + (minute - now).total_seconds() + 120
        runs: list = []
        while time.time() < deadline:
            runs = list(
                ScheduledRun.objects.filter(namespace="bench.sched", scheduled_date=minute)
                .exclude(execution_id="")
                .values_list("execution_id", "scheduled_date")
            )
            if len(runs) >= flows:
                break
            time.sleep(1)
    finally:
        cluster.remove("beat")
        # Stop the schedules, so later runs in this database do not fire them.
        from flows import services
        from flows.models import Flow

        for flow in Flow.objects.filter(namespace="bench.sched", deleted=False):
            services.flow_delete(namespace=flow.namespace, flow_id=flow.flow_id)
    created = dict(
        Execution.objects.filter(pk__in=[r[0] for r in runs]).values_list("id", "created")
    )
    delays = sorted((created[i] - at).total_seconds() for i, at in runs if i in created)
    return {
        "scheduler_flows": flows,
        "scheduler_setup_s": setup,
        "scheduler_fired": len(delays),
        "scheduler_first_s": delays[0] if delays else None,
        "scheduler_p50_s": percentile(delays, 50) if delays else None,
        "scheduler_last_s": delays[-1] if delays else None,
    }


def new_id() -> str:
    return uuid.uuid4().hex[:12]
