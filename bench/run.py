"""`python -m bench.run` (`make bench`): every measurement in one go, printed as a table and
written as JSON to bench/results/. Benchmarks, not tests: nothing here asserts a time."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.cluster import DATA, REPO, Cluster, Process, product_env, recreate_database

RESULTS = REPO / "bench" / "results"
ALL = ["floor", "sequential", "latency", "foreach", "throughput", "api", "scheduler", "compare"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (minutes, not tens)")
    parser.add_argument(
        "--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)}"
    )
    parser.add_argument("--skip", default="", help="comma-separated measurements to leave out")
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432/kestra_bench",
        help="a kestra_bench* PostgreSQL database: dropped and created afresh",
    )
    parser.add_argument(
        "--broker", default="redis://127.0.0.1:6379/15", help="Redis database (flushed)"
    )
    parser.add_argument(
        "--floor-broker", default="redis://127.0.0.1:6379/15", help="Redis database of the floor"
    )
    parser.add_argument("--executor-concurrency", type=int, default=4)
    parser.add_argument("--throughput", type=int, help="executions of the throughput run")
    parser.add_argument("--label", default="", help="a name for this run in the JSON file")
    parser.add_argument(
        "--show", metavar="JSON", help="print the table of a saved run as Markdown; measure nothing"
    )
    return parser.parse_args(argv)


def sizes(quick: bool) -> dict:
    if quick:
        return dict(
            hops=300,
            commits=300,
            seq_repeats=2,
            latency=50,
            throughput=300,
            foreach=(100,),
            stored=20_000,
            sched=100,
            compare_repeats=1,
        )
    return dict(
        hops=1000,
        commits=1000,
        seq_repeats=3,
        latency=200,
        throughput=2000,
        foreach=(100, 1000),
        stored=100_000,
        sched=1000,
        compare_repeats=3,
    )


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
    }


def floor(env: dict, floor_broker: str, hops: int, commits: int) -> dict:
    """Raw Celery hop (a chain of no-op tasks) and one PostgreSQL insert + commit."""
    import psycopg
    import redis

    from bench import floor as floor_app

    redis.Redis.from_url(floor_broker).flushdb()
    worker = Process(
        "floor-worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.floor",
            "worker",
            "-Q",
            floor_app.QUEUE,
            "-c",
            "1",
            "-P",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        {**env, "BENCH_FLOOR_BROKER": floor_broker},
        DATA / "logs" / "floor-worker.log",
    ).start()
    try:
        client = redis.Redis.from_url(floor_broker)
        floor_app.app.conf.broker_url = floor_broker
        per_hop = []
        for run in range(4):  # the first warms the worker up
            key = f"bench-floor-{run}"
            begin = time.perf_counter()
            floor_app.hop.apply_async((hops, key), queue=floor_app.QUEUE)
            while not client.lpop(key):  # the last hop pushes to `key`
                if time.perf_counter() - begin > 600 or not worker.alive():
                    raise TimeoutError(f"floor chain did not finish; see {worker.log}")
                time.sleep(0.001)
            per_hop.append((time.perf_counter() - begin) * 1000 / (hops + 1))
    finally:
        worker.stop()
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_floor (id serial primary key, v text)")
        conn.commit()
        times = []
        for i in range(commits):
            begin = time.perf_counter()
            conn.execute("INSERT INTO bench_floor (v) VALUES (%s)", [str(i)])
            conn.commit()
            times.append((time.perf_counter() - begin) * 1000)
        conn.execute("DROP TABLE bench_floor")
        conn.commit()
    return {
        "floor_celery_hop_ms": sorted(per_hop[1:])[1],
        "floor_celery_hop_runs_ms": per_hop[1:],
        "floor_pg_commit_ms": sorted(times)[len(times) // 2],
    }


def prepare(env: dict, database_url: str) -> None:
    recreate_database(database_url)
    for command in (["migrate", "--noinput", "--skip-checks", "-v", "0"], ["bootstrap"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True)


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


ROWS = [
    # key, figure, unit, target (None: no target), lower is better
    ("floor_celery_hop_ms", "Floor: raw Celery hop (no-op chain)", "ms", None),
    ("floor_pg_commit_ms", "Floor: PostgreSQL insert + commit", "ms", None),
    ("seq50_ms_per_task", "Sequential 50 Log tasks, per task", "ms", ("<=", 10)),
    ("seq10_ms_per_task", "Sequential 10 Log tasks, per task", "ms", None),
    ("seq50_cpu_executor_ms_per_task", "  CPU per task: executor", "ms", None),
    ("seq50_cpu_worker_ms_per_task", "  CPU per task: worker", "ms", None),
    ("linearity", "Per task: 50-task flow / 10-task flow", "x", ("<=", 1.2)),
    ("latency_p50_ms", "One-task flow, API wait=true, p50", "ms", ("<=", 30)),
    ("latency_p99_ms", "One-task flow, API wait=true, p99", "ms", None),
    ("latency_server_p50_ms", "  same, created -> SUCCESS, p50", "ms", None),
    ("throughput_executions_per_s", "Throughput, 1 executor: executions/s", "/s", None),
    ("throughput_task_runs_per_s", "Throughput, 1 executor: task runs/s", "/s", (">=", 200)),
    ("throughput_api_starts_per_s", "  API intake (POST /executions)", "/s", None),
    ("throughput_cpu_total_ms_per_task_run", "  CPU per task run, all components", "ms", None),
    ("throughput_cpu_executor_ms_per_task_run", "  CPU per task run: executor", "ms", None),
    ("throughput_cpu_worker_ms_per_task_run", "  CPU per task run: worker", "ms", None),
    ("throughput_cpu_webserver_ms_per_task_run", "  CPU per task run: webserver", "ms", None),
    ("throughput_2x_executions_per_s", "Throughput, 2 executors: executions/s", "/s", None),
    ("throughput_2x_task_runs_per_s", "Throughput, 2 executors: task runs/s", "/s", (">=", 200)),
    ("foreach100_s", "ForEach over 100 values", "s", ("<=", 1)),
    ("foreach1000_s", "ForEach over 1,000 values", "s", ("<=", 10)),
    ("scheduler_first_s", "Scheduler: first start after the minute", "s", None),
    ("scheduler_p50_s", "Scheduler: median start after the minute", "s", None),
    ("scheduler_last_s", "Scheduler: last start after the minute", "s", None),
    ("api_search_ms", "API: execution search (page of 25)", "ms", None),
    ("api_search_filtered_ms", "API: search by namespace + state", "ms", None),
    ("api_execution_ms", "API: one execution", "ms", None),
    ("rss_idle_webserver_mb", "RSS idle: webserver", "MiB", None),
    ("rss_idle_executor_mb", "RSS idle: executor (threads -c 4)", "MiB", None),
    ("rss_idle_worker_mb", "RSS idle: worker (prefork -c 2, tree)", "MiB", None),
    ("rss_load_webserver_mb", "RSS under throughput: webserver", "MiB", None),
    ("rss_load_executor_mb", "RSS under throughput: executor", "MiB", None),
    ("rss_load_worker_mb", "RSS under throughput: worker (tree)", "MiB", None),
    ("prefect_seq50_ms_per_task", "Prefect 3.9.1, 50 tasks, per task", "ms", None),
    ("prefect_one_task_flow_ms", "Prefect 3.9.1, one-task flow", "ms", None),
    ("airflow_seq50_ms_per_task", "Airflow 3.3.2, 50 tasks, per task", "ms", None),
    ("ratio_hop", "Ratio: ours per task / raw Celery hop", "x", None),
    ("ratio_prefect", "Ratio: Prefect per task / ours", "x", None),
    ("ratio_airflow", "Ratio: Airflow per task / ours", "x", None),
]


def derive(results: dict) -> None:
    ours = results.get("seq50_ms_per_task")
    if ours:
        if results.get("seq10_ms_per_task"):
            results["linearity"] = ours / results["seq10_ms_per_task"]
        if results.get("floor_celery_hop_ms"):
            results["ratio_hop"] = ours / results["floor_celery_hop_ms"]
        for name in ("prefect", "airflow"):
            if results.get(f"{name}_seq50_ms_per_task"):
                results[f"ratio_{name}"] = results[f"{name}_seq50_ms_per_task"] / ours


def table(results: dict) -> str:
    lines = [f"{'Figure':<44} {'Value':>10}  {'Target':<10} Met", "-" * 72]
    for key, label, unit, target in ROWS:
        value = results.get(key)
        if not isinstance(value, int | float):
            continue
        met, wanted = "", ""
        if target:
            op, bound = target
            wanted = f"{op} {bound:g} {unit}"
            met = "yes" if (value <= bound if op == "<=" else value >= bound) else "no"
        shown = f"{value:.1f}" if value >= 10 else f"{value:.2f}"
        lines.append(f"{label:<44} {shown:>7} {unit:<3} {wanted:<10} {met}")
    return "\n".join(lines)


def markdown(results: dict) -> str:
    """The table of a run, as in the README."""
    lines = ["| Figure | Value | Target | Met |", "| --- | ---: | --- | --- |"]
    for key, label, unit, target in ROWS:
        value = results.get(key)
        if not isinstance(value, int | float):
            continue
        wanted = f"{target[0]} {target[1]:g} {unit}" if target else ""
        met = ""
        if target:
            met = (
                "yes" if (value <= target[1] if target[0] == "<=" else value >= target[1]) else "no"
            )
        shown = f"{value:.1f}" if value >= 10 else f"{value:.2f}"
        wanted = wanted.replace("<=", "≤").replace(">=", "≥")
        lines.append(f"| {label.strip()} | {shown} {unit} | {wanted} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show:
        print(markdown(json.loads(Path(args.show).read_text())))
        return 0
    chosen = [m for m in args.only.split(",") if m and m not in args.skip.split(",")]
    unknown = set(chosen) - set(ALL)
    if unknown:
        raise SystemExit(f"--only: unknown measurement(s) {sorted(unknown)}; choose from {ALL}")
    size = sizes(args.quick)
    env = product_env(args.database, args.broker)
    results: dict = {"machine": machine(), "quick": args.quick, "label": args.label}
    results["started"] = datetime.now(UTC).isoformat()

    def step(name: str, fn) -> None:
        print(f"== {name}", flush=True)
        begin = time.perf_counter()
        try:
            results.update(fn())
        except Exception as error:  # one failed measurement must not lose the others
            results[f"{name}_error"] = f"{type(error).__name__}: {error}"
            print(f"   {name} failed: {error}", flush=True)
        print(f"   ({time.perf_counter() - begin:.0f} s)", flush=True)

    prepare(env, args.database)
    setup_django(env)
    import redis

    redis.Redis.from_url(args.broker).flushdb()
    from bench import measure

    if "floor" in chosen:
        step("floor", lambda: floor(env, args.floor_broker, size["hops"], size["commits"]))
    cluster = Cluster(env, executor_concurrency=args.executor_concurrency)
    try:
        cluster.start()
        time.sleep(2)
        results.update(measure.memory_idle(cluster))
        if "sequential" in chosen:
            step("sequential", lambda: measure.sequential(cluster, repeats=size["seq_repeats"]))
        if "latency" in chosen:
            step("latency", lambda: measure.latency(cluster, size["latency"]))
        if "foreach" in chosen:
            step("foreach", lambda: measure.foreach(cluster, size["foreach"]))
        if "throughput" in chosen:
            count = args.throughput or size["throughput"]
            step("throughput", lambda: measure.throughput(cluster, count))
            cluster.add_executor("executor2")
            cluster.wait_ready()
            step("throughput_2x", lambda: measure.throughput(cluster, count, label="_2x"))
            cluster.remove("executor2")
        if "api" in chosen:
            step("api", lambda: measure.api(cluster, size["stored"]))
        if "scheduler" in chosen:
            step("scheduler", lambda: measure.scheduler(cluster, size["sched"]))
    finally:
        cluster.stop()
    if "compare" in chosen:
        from bench import compare

        step("prefect", lambda: compare.prefect(50, size["compare_repeats"]))
        step("airflow", lambda: compare.airflow(50, 1))
    derive(results)
    results["finished"] = datetime.now(UTC).isoformat()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}{'-quick' if args.quick else ''}{'-' + args.label if args.label else ''}"
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    m = results["machine"]
    print(f"\nMachine: {m['nproc']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM")
    print(f"Load average before the run: {m['load_before'][0]:.2f} (others share the machine)")
    print(table(results))
    errors = {k: v for k, v in results.items() if k.endswith("_error")}
    for key, value in errors.items():
        print(f"!! {key}: {value}")
    print(f"\nJSON: {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
