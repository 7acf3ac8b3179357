"""`python -m bench.chaos`: a soak under failure. Runs N executions of a mix of flows (parallel
branches, loops, subflows, retries, scripts) on two executors, two workers and beat over a
private Redis, while SIGKILLing and restarting executors, workers, beat and Redis (which comes
back empty) at seeded random times; then lets the system settle and prints what it did and
the invariant checker's verdict (tests/invariants.py). Not a test: it reports, it does not
assert.

    python -m bench.chaos --executions 1000 --kill-every 3 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from bench.cluster import DATA, REPO, Cluster, celery_worker, free_port, product_env

RESULTS = REPO / "bench" / "results"
NAMESPACE = "chaos"

FLOWS = {
    "parallel": """
id: parallel
namespace: chaos
tasks:
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - {id: a, type: io.kestra.plugin.core.log.Log, message: a}
      - {id: b, type: io.kestra.plugin.core.log.Log, message: b}
      - {id: c, type: io.kestra.plugin.core.log.Log, message: c}
""",
    "loop": """
id: loop
namespace: chaos
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2, 3, 4]
    concurrencyLimit: 2
    tasks:
      - id: item
        type: io.kestra.plugin.core.debug.Return
        format: "item {{ taskrun.value }}"
""",
    "child": """
id: child
namespace: chaos
inputs:
  - {id: n, type: INT, defaults: 1}
tasks:
  - id: work
    type: io.kestra.plugin.core.debug.Return
    format: "child {{ inputs.n }}"
outputs:
  - {id: result, type: STRING, value: "{{ outputs.work.value }}"}
""",
    "subflow": """
id: subflow
namespace: chaos
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: chaos
    flowId: child
    inputs: {n: 2}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.outputs.result }}"
""",
    "retries": """
id: retries
namespace: chaos
tasks:
  - id: flaky
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - "exit {{ taskrun.attemptsCount == 0 ? 1 : 0 }}"
    retry:
      type: constant
      interval: PT0.2S
      maxAttempts: 3
""",
    "script": """
id: script
namespace: chaos
tasks:
  - id: run
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo hello from a script
  - id: then
    type: io.kestra.plugin.core.log.Log
    message: done
""",
}
STARTED = ["parallel", "loop", "subflow", "retries", "script"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--kill-every", type=float, default=3.0, help="mean seconds between kills")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=10.0, help="executions started per second")
    parser.add_argument("--settle", type=float, default=900.0, help="seconds allowed to settle")
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/kestra_bench_chaos",
        help="a kestra_bench* PostgreSQL database: dropped and created afresh",
    )
    return parser.parse_args(argv)


class Redis:
    """A private redis-server with no persistence: killed, it comes back empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = DATA / "chaos-redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.popen = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)


class Chaos(threading.Thread):
    """Kills one component at a time at seeded random moments and starts it again."""

    def __init__(self, cluster: Cluster, redis: Redis, mean: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.cluster, self.redis = cluster, redis
        self.mean, self.random = mean, random.Random(seed)
        self.stop = threading.Event()
        self.kills: Counter[str] = Counter()
        self.log: list[str] = []

    def run(self) -> None:
        victims = ["executor", "executor-2", "worker", "worker-2", "beat", "redis"]
        begin = time.monotonic()
        while not self.stop.wait(self.random.expovariate(1 / self.mean)):
            victim = self.random.choice(victims)
            down = self.random.uniform(0.2, 2.0)
            self.log.append(f"{time.monotonic() - begin:7.1f}s kill {victim} ({down:.1f}s down)")
            self.kills[victim] += 1
            if victim == "redis":
                self.redis.kill()
                time.sleep(down)
                self.redis.start()
                continue
            process = self.cluster.processes[victim]
            if process.alive():
                os.killpg(process.pid, signal.SIGKILL)
                process.popen.wait(10)
            time.sleep(down)
            process.start()
        supervise(self.cluster)


def supervise(cluster: Cluster) -> None:
    """Start again whatever exited by itself (as systemd's Restart=always would)."""
    for process in cluster.processes.values():
        if not process.alive():
            process.start()


def prepare(env: dict, database_url: str) -> None:
    from bench.cluster import recreate_database

    recreate_database(database_url)
    for command in (["migrate", "--noinput", "--skip-checks", "-v", "0"], ["bootstrap"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    redis = Redis()
    redis.start()
    env = product_env(args.database, redis.url)
    env.update(
        KESTRA_SWEEP_SECONDS="2",
        KESTRA_HEARTBEAT_SECONDS="1",
        KESTRA_HEARTBEAT_TIMEOUT_SECONDS="5",
        KESTRA_WORKER_SHUTDOWN_GRACE_SECONDS="5",
    )
    prepare(env, args.database)
    os.environ.update(env)
    import django

    django.setup()
    from executions.models import Execution
    from executions.services import execution_create
    from executions.states import State
    from flows import services as flow_services
    from tests.invariants import check_invariants

    for source in FLOWS.values():
        flow_services.flow_create(source=source)

    cluster = Cluster(env, executor_concurrency=4, worker_concurrency=2)
    cluster.start()
    cluster.processes["webserver"].stop()  # not needed here; keep the CPU for the rest
    cluster.processes.pop("webserver")
    cluster.add_executor("executor-2")
    cluster.add(celery_worker("worker-2", "default", "prefork", 2, cluster.worker_env()))
    cluster.start_beat()

    chaos = Chaos(cluster, redis, args.kill_every, args.seed)
    started = time.monotonic()
    chaos.start()
    accepted: list[str] = []
    refused: Counter[str] = Counter()
    picker = random.Random(args.seed + 1)
    interval = 1 / args.rate
    for _ in range(args.executions):
        flow_id = picker.choice(STARTED)
        try:
            accepted.append(execution_create(namespace=NAMESPACE, flow_id=flow_id).id)
        except Exception as error:  # e.g. the broker was down: the caller is told it failed
            refused[type(error).__name__] += 1
        time.sleep(interval)
    chaos.stop.set()
    chaos.join()
    submit_s = time.monotonic() - started

    terminal = [s.value for s in State if s.is_terminal]
    mine = Execution.objects.filter(namespace=NAMESPACE)
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline and mine.exclude(state__in=terminal).exists():
        supervise(cluster)
        time.sleep(2)
    settle_s = time.monotonic() - started - submit_s
    states = Counter(mine.values_list("state", flat=True))
    stuck = sum(n for state, n in states.items() if state not in terminal)
    violations = check_invariants()
    top = mine.filter(parent_id__isnull=True)
    report = {
        "at": datetime.now(UTC).isoformat(),
        "seed": args.seed,
        "executions_requested": args.executions,
        "executions_stored": top.count(),
        "child_executions": mine.filter(parent_id__isnull=False).count(),
        "intake_errors": dict(refused),
        "kills": dict(chaos.kills),
        "kills_total": sum(chaos.kills.values()),
        "states": dict(states),
        "stuck": stuck,
        "executions_accepted": len(accepted),
        # accepted (the caller got an id) but missing or never ended
        "lost": len(accepted)
        - Execution.objects.filter(id__in=accepted, state__in=terminal).count(),
        "duplicated_successful_attempts": sum("successful attempts" in v for v in violations),
        "invariant_violations": violations[:50],
        "submit_seconds": round(submit_s, 1),
        "settle_seconds": round(settle_s, 1),
        "chaos_log": chaos.log,
    }
    cluster.stop()
    redis.kill()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"chaos-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(_table(report))
    print(f"\nwritten to {path.relative_to(REPO)}")
    return 0


def _table(report: dict) -> str:
    rows = [
        ("executions requested / accepted",
         f"{report['executions_requested']} / {report['executions_accepted']}"),
        ("executions stored (+ child executions)",
         f"{report['executions_stored']} (+ {report['child_executions']})"),
        ("intake errors (told to the caller)", report["intake_errors"] or 0),
        ("kills (SIGKILL, then restart)", f"{report['kills_total']} {report['kills']}"),
        ("final states", report["states"]),
        ("lost", report["lost"]),
        ("stuck (not terminal after settling)", report["stuck"]),
        ("duplicated successful attempts", report["duplicated_successful_attempts"]),
        ("invariant violations", len(report["invariant_violations"])),
        ("time: submitting with kills / settling",
         f"{report['submit_seconds']} s / {report['settle_seconds']} s"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


if __name__ == "__main__":
    raise SystemExit(main())
