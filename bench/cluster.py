"""The system under test: a dedicated database, a Redis database, and real component processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / ".data"
ADMIN = ("bench", "bench-password-1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def product_env(database_url: str, broker_url: str) -> dict[str, str]:
    """The environment every component (and this process's Django) reads its settings from."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        DATABASE_CONN_MAX_AGE="600",
        KESTRA_STORAGE_ROOT=str(DATA / "storage"),
        KESTRA_BROKER_DIR=str(DATA / "broker"),
        DJANGO_SECRET_KEY="bench-secret-key-not-for-production-0123456789",
        DJANGO_DEBUG="false",
        KESTRA_ADMIN_USER=ADMIN[0],
        KESTRA_ADMIN_PASSWORD=ADMIN[1],
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="kestra_site.settings",
    )
    return env


def recreate_database(database_url: str) -> None:
    """Drop and create the bench database (its name must start with kestra_bench)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    if not name.startswith("kestra_bench"):
        raise SystemExit(f"--database must name a kestra_bench* database, not {name!r}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            cwd=REPO,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


def celery_worker(name: str, queues: str, pool: str, concurrency: int, env, app="kestra_site"):
    return Process(
        name,
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "-Q",
            queues,
            "-n",
            f"{name}-{os.getpid()}@%h",
            "-P",
            pool,
            "-c",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        env,
        DATA / "logs" / f"{name}.log",
    )


@dataclass
class Cluster:
    """Webserver, executors, workers and (on demand) beat, against the bench database."""

    env: dict[str, str]
    executor_concurrency: int = 4
    worker_concurrency: int = 2
    port: int = field(default_factory=free_port)
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/main"

    def start(self) -> None:
        self.add(
            Process(
                "webserver",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "kestra_site.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                # Under ASGI each request runs in a fresh thread, so persistent connections
                # pile up (75 after a few thousand requests, until PostgreSQL refuses
                # clients): Django's advice for ASGI without a pool is CONN_MAX_AGE=0.
                {
                    **self.env,
                    "DATABASE_APPLICATION_NAME": "bench-web",
                    "DATABASE_CONN_MAX_AGE": "0",
                },
                DATA / "logs" / "webserver.log",
            )
        )
        self.add_executor("executor")
        self.add(
            celery_worker(
                "worker", "default", "prefork", self.worker_concurrency, self.worker_env()
            )
        )
        self.wait_ready()

    def worker_env(self) -> dict[str, str]:
        return dict(self.env)

    def add_executor(self, name: str) -> Process:
        env = {**self.env, "DATABASE_APPLICATION_NAME": f"bench-{name}"}
        return self.add(celery_worker(name, "executor", "threads", self.executor_concurrency, env))

    def add(self, process: Process) -> Process:
        self.processes[process.name] = process.start()
        return process

    def start_beat(self) -> Process:
        return self.add(
            Process(
                "beat",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "kestra_site",
                    "beat",
                    "-S",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                    "--loglevel=WARNING",
                    "--schedule",
                    str(DATA / "beat-schedule"),
                ],
                {**self.env, "DATABASE_APPLICATION_NAME": "bench-beat"},
                DATA / "logs" / "beat.log",
            )
        )

    def remove(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.stop()

    def wait_ready(self, timeout: float = 90) -> None:
        """Every Celery worker answers a ping and the webserver answers HTTP."""
        import requests

        from kestra_site.celery import app

        deadline = time.monotonic() + timeout
        wanted = {
            p.argv[p.argv.index("-n") + 1].split("@")[0]
            for p in self.processes.values()
            if "-n" in p.argv
        }
        while time.monotonic() < deadline:
            for process in self.processes.values():
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited: see {process.log}")
            replies = app.control.ping(timeout=1.0) or []
            seen = {name.split("@")[0] for reply in replies for name in reply}
            try:
                web = requests.get(self.base_url.replace("/api/v1/main", "/"), timeout=2)
                web_ok = web.status_code < 500
            except requests.RequestException:
                web_ok = False
            if wanted <= seen and web_ok:
                return
            time.sleep(0.3)
        raise TimeoutError(f"components not ready after {timeout}s; logs in {DATA / 'logs'}")

    def stop(self) -> None:
        for name in list(reversed(self.processes)):
            self.remove(name)


def tree_rss_mb(pid: int) -> float:
    """Resident size of a process and all its descendants, in MiB (from /proc)."""
    total = 0
    for current in _tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its live descendants.

    Unlike wall time, this barely moves when other work shares the machine, so it is the
    figure to compare runs by on a busy host."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
