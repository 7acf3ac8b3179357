"""Search latency on the database backend at scale: 100,000 executions (200,000 task runs) and
1,000,000 log lines in a dedicated PostgreSQL database, then p50/p99 of the search and
statistics endpoints.

    python bench/search_bench.py [--database kestra_bench_search] [--repeat 20] [--reload]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXECUTIONS = 100_000
LOGS_PER_EXECUTION = 10
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
STATES = ["SUCCESS"] * 7 + ["FAILED", "WARNING", "KILLED", "RUNNING"]
LEVELS = ["INFO"] * 6 + ["DEBUG", "DEBUG", "WARN", "ERROR", "TRACE"]
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def setup(database: str) -> None:
    import psycopg

    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = f"{base}/{database}"
    os.environ["KESTRA_SEARCH_BACKEND"] = "database"
    os.environ.pop("ELASTICSEARCH_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kestra_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(reload: bool) -> None:
    from django.db import connection

    from executions.models import Execution

    if Execution.objects.count() >= EXECUTIONS and not reload:
        print("data already loaded")
        return
    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE executions_logentry, executions_taskrun, executions_execution CASCADE"
        )
    started = time.monotonic()
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cur:
        with cur.copy(
            "COPY executions_execution (id, tenant, namespace, flow_id, flow_revision, state, "
            "state_histories, start_date, end_date, labels, attempt_number, created, updated) "
            "FROM STDIN"
        ) as copy:
            for i in range(EXECUTIONS):
                start = NOW - timedelta(seconds=rng.randrange(30 * 86400))
                state = rng.choice(STATES)
                end = (
                    None if state == "RUNNING" else start + timedelta(seconds=rng.randrange(1, 600))
                )
                ns = f"company.team{i % 10}"
                labels = json.dumps([{"key": "team", "value": WORDS[i % 12]}])
                copy.write_row(
                    (
                        f"ex{i:08d}",
                        "main",
                        ns,
                        f"flow{i % 50}",
                        1,
                        state,
                        "[]",
                        start,
                        end,
                        labels,
                        1,
                        start,
                        end or start,
                    )
                )
        with cur.copy(
            "COPY executions_taskrun (id, execution_id, position, task_id, state, "
            "state_histories, attempts, start_date, end_date) FROM STDIN"
        ) as copy:
            for i in range(EXECUTIONS):
                start = NOW - timedelta(seconds=rng.randrange(30 * 86400))
                for position in range(2):
                    copy.write_row(
                        (
                            f"ex{i:08d}t{position}",
                            f"ex{i:08d}",
                            position,
                            f"task{position}",
                            rng.choice(STATES),
                            "[]",
                            "[]",
                            start,
                            start + timedelta(seconds=5),
                        )
                    )
        with cur.copy(
            "COPY executions_logentry (execution_id, tenant, namespace, flow_id, task_run_id, "
            "task_id, level, message, timestamp) FROM STDIN"
        ) as copy:
            for i in range(EXECUTIONS):
                start = NOW - timedelta(seconds=rng.randrange(30 * 86400))
                for n in range(LOGS_PER_EXECUTION):
                    message = " ".join(rng.choice(WORDS) for _ in range(8)) + f" line {n}"
                    copy.write_row(
                        (
                            f"ex{i:08d}",
                            "main",
                            f"company.team{i % 10}",
                            f"flow{i % 50}",
                            f"ex{i:08d}t0",
                            "task0",
                            rng.choice(LEVELS),
                            message,
                            start + timedelta(seconds=n),
                        )
                    )
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded {EXECUTIONS} executions, {2 * EXECUTIONS} task runs, "
        f"{EXECUTIONS * LOGS_PER_EXECUTION} logs in {time.monotonic() - started:.0f} s"
    )


CASES = [
    ("GET", "/executions/search", {}),
    ("GET", "/executions/search", {"namespace": "company.team3", "state": "FAILED"}),
    ("GET", "/executions/search", {"labels": "team:delta", "size": 50}),
    ("GET", "/executions/search", {"q": "ex0004"}),
    ("GET", "/taskruns/search", {"namespace": "company.team3", "state": "FAILED"}),
    ("GET", "/logs/search", {}),
    (
        "GET",
        "/logs/search",
        {"namespace": "company.team1", "flowId": "flow11", "minLevel": "ERROR"},
    ),
    ("GET", "/logs/search", {"filters[executionId][EQUALS]": "ex00050000"}),
    ("GET", "/logs/search", {"q": "juliet kilo", "size": 10}),
    ("POST", "/stats/executions/daily", {}),
    ("POST", "/stats/executions/daily/group-by-namespace", {}),
    ("POST", "/stats/taskruns/daily", {"namespace": "company.team3"}),
    ("POST", "/stats/logs/daily", {"namespace": "company.team3"}),
]


def run(repeat: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    # A superuser: searches are kept to a user's namespaces (access/), and this measures them all.
    user, _ = get_user_model().objects.update_or_create(
        username="bench", defaults={"is_superuser": True}
    )
    client = APIClient()
    client.force_authenticate(user)
    results = []
    for method, path, params in CASES:
        url = "/api/v1/main" + path
        timings = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            if method == "GET":
                response = client.get(url, params)
            else:
                response = client.post(url, {"endDate": NOW.isoformat(), **params}, format="json")
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        timings = sorted(timings[1:])  # the first call warms caches
        body = response.json()
        total = body.get("total", len(body)) if isinstance(body, dict) else len(body)
        results.append(
            {
                "case": f"{method} {path} {json.dumps(params) if params else ''}".strip(),
                "p50_ms": round(statistics.median(timings), 1),
                "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 1),
                "total": total,
            }
        )
        print(f"{results[-1]['p50_ms']:>8} {results[-1]['p99_ms']:>8}  {results[-1]['case']}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="kestra_bench_search")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    setup(args.database)
    load(args.reload)
    print(f"{'p50 ms':>8} {'p99 ms':>8}  case")
    run(args.repeat)


if __name__ == "__main__":
    main()
