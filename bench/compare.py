"""Side by side: the same 50-task sequential flow on Prefect 3 and on Airflow 3, each installed in
its own virtual environment under bench/.venvs and run against its own local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import requests

from bench.cluster import DATA, REPO, Process, free_port

VENVS = REPO / "bench" / ".venvs"
PREFECT = "prefect==3.9.1"
AIRFLOW = "apache-airflow==3.3.2"


def ensure_venv(name: str, requirement: str) -> Path:
    """A virtual environment with `requirement` installed (created once, reused after)."""
    venv = VENVS / name
    stamp = venv / f".installed-{requirement}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", requirement], check=True)
        stamp.touch()
    return venv


def _wait_http(url: str, timeout: float, process: Process) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited: see {process.log}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout}s; see {process.log}")


PREFECT_FLOW = textwrap.dedent(
    """
    import json, sys, time
    from prefect import flow, task, get_run_logger

    @task
    def step(i):
        get_run_logger().info("step %s", i)

    @flow
    def sequential(n: int):
        for i in range(n):
            step(i)

    out = {}
    for n in (1, int(sys.argv[1])):
        sequential(n)  # warm-up
        runs = []
        for _ in range(int(sys.argv[2])):
            begin = time.perf_counter()
            sequential(n)
            runs.append((time.perf_counter() - begin) * 1000)
        out[n] = sorted(runs)[len(runs) // 2]
    print("RESULT " + json.dumps(out))
    """
)


def prefect(tasks: int = 50, repeats: int = 3) -> dict:
    """Prefect 3 flow of `tasks` sequential tasks, run in-process against `prefect server`."""
    venv = ensure_venv("prefect", PREFECT)
    home = DATA / "prefect-home"
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    server = Process(
        "prefect-server",
        [
            str(venv / "bin" / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
        DATA / "logs" / "prefect-server.log",
    ).start()
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/health", 180, server)
        script = DATA / "prefect_flow.py"
        script.write_text(PREFECT_FLOW)
        done = subprocess.run(
            [str(venv / "bin" / "python"), str(script), str(tasks), str(repeats)],
            env={**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
        if not line:
            raise RuntimeError(f"prefect run failed: {done.stderr[-2000:]}")
        runs = json.loads(line[0][len("RESULT ") :])
        return {
            "prefect_version": PREFECT,
            "prefect_one_task_flow_ms": runs["1"],
            f"prefect_seq{tasks}_ms_per_task": runs[str(tasks)] / tasks,
        }
    finally:
        server.stop()


AIRFLOW_DAG = textwrap.dedent(
    """
    import logging
    from datetime import datetime
    from airflow.sdk import dag, task

    @dag(dag_id="seq{n}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
    def sequential():
        @task
        def step(i):
            logging.getLogger(__name__).info("step %s", i)

        previous = None
        for i in range({n}):
            current = step.override(task_id=f"t{{i}}")(i)
            if previous is not None:
                previous >> current
            previous = current

    sequential()
    """
)


def _json_list(text: str) -> list:
    """The JSON list in a CLI's output (Airflow prints notices around it), or []."""
    for line in text.splitlines():
        if line.startswith(("[{", "[]")):
            return json.loads(line)
    return []


def airflow(tasks: int = 50, repeats: int = 1) -> dict:
    """Airflow 3 DAG of `tasks` chained tasks under `airflow standalone` (LocalExecutor)."""
    venv = ensure_venv("airflow", AIRFLOW)
    home = DATA / "airflow-home"
    (home / "dags").mkdir(parents=True, exist_ok=True)
    (home / "dags" / "sequential.py").write_text(AIRFLOW_DAG.format(n=tasks))
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__API__PORT": str(port),
        # Task processes report to the API server's execution API (default: port 8080).
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    }
    env.pop("DATABASE_URL", None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"  # standalone runs `airflow`
    airflow_bin = str(venv / "bin" / "airflow")

    def cli(*args: str) -> str:
        return subprocess.run(
            [airflow_bin, *args], env=env, capture_output=True, text=True, timeout=300
        ).stdout

    server = Process(
        "airflow-standalone", [airflow_bin, "standalone"], env, DATA / "logs" / "airflow.log"
    ).start()
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 300, server)
        deadline = time.monotonic() + 300
        while f"seq{tasks}" not in cli("dags", "list", "-o", "plain"):
            if time.monotonic() > deadline:
                raise TimeoutError("Airflow never parsed the DAG")
            time.sleep(3)
        per_task = []
        for _ in range(repeats):
            cli("dags", "trigger", f"seq{tasks}")
            deadline = time.monotonic() + 3600
            while True:
                runs = _json_list(cli("dags", "list-runs", f"seq{tasks}", "-o", "json"))
                latest = max(runs, key=lambda r: r.get("start_date") or "", default=None)
                if latest and latest.get("state") in ("success", "failed"):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("Airflow DAG run did not finish")
                time.sleep(2)
            from datetime import datetime

            if latest.get("state") != "success":
                raise RuntimeError(f"Airflow DAG run ended {latest.get('state')}; see {server.log}")
            start = datetime.fromisoformat(latest["start_date"])
            end = datetime.fromisoformat(latest["end_date"])
            per_task.append((end - start).total_seconds() * 1000 / tasks)
        return {
            "airflow_version": AIRFLOW,
            f"airflow_seq{tasks}_ms_per_task": sorted(per_task)[len(per_task) // 2],
            "airflow_state": latest.get("state"),
        }
    finally:
        server.stop(timeout=30)
