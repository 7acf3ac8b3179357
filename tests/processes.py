"""Real component processes for tests: Celery executor and worker processes on the test database.

Each pytest-xdist worker gets its own Redis database as broker, so parallel test processes
never consume each other's messages.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def broker_url() -> str:
    """A Redis database per test process: TEST_BROKER_DB (default 9) + the xdist worker index."""
    index = int(os.environ.get("TEST_BROKER_DB", "9"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        index += int(worker[2:])
    base = os.environ.get("TEST_BROKER_BASE", "redis://127.0.0.1:6379")
    return f"{base}/{index % 16}"


def flush_broker(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def free_port() -> int:
    """A loopback TCP port nothing listens on (once this returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def broker_pointed_at(url: str):
    """Point this test process's Celery app (which publishes ticks after commit) at `url`,
    then back. kombu keeps its pools per URL, open: only the app's references are dropped."""
    from kestra_site.celery import app

    def point(at: str) -> None:
        app.conf.broker_url = app.conf.broker_read_url = app.conf.broker_write_url = at
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_write_url or app.conf.broker_url
    point(url)
    try:
        yield
    finally:
        point(previous)


@dataclass
class Component:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Component:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kestra_site", *self.args],
            cwd=REPO,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGCONT)  # a stopped process cannot shut down
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def signal(self, sig: int) -> None:
        """Send a signal to the whole process group without waiting (SIGSTOP, SIGCONT)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)


@dataclass
class Cluster:
    """An executor and workers for the tests, started against the test database."""

    database_url: str
    logs: Path
    broker: str = field(default_factory=broker_url)
    components: list[Component] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            CELERY_BROKER_URL=self.broker,
            PYTHONUNBUFFERED="1",
            DATABASE_CONN_MAX_AGE="600",
        )
        env.update(extra)
        return env

    def add(
        self,
        name: str,
        queues: str,
        *extra_args: str,
        env: dict[str, str] | None = None,
        pool: str = "prefork",
        concurrency: int = 2,
    ) -> Component:
        component = Component(
            name,
            [
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
                "--without-heartbeat",
                "--loglevel=INFO",
                *extra_args,
            ],
            env or self.env(),
            self.logs / f"{name}.log",
        ).start()
        self.components.append(component)
        return component

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until every started worker answers a ping."""
        from kestra_site.celery import app

        names = {c.args[c.args.index("-n") + 1].replace("%h", "") for c in self.components}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            seen = {name.split("@")[0] + "@" for reply in replies for name in reply}
            if all(n.split("@")[0] + "@" in seen for n in names):
                return
            for component in self.components:
                if component.process and component.process.poll() is not None:
                    raise RuntimeError(f"{component.name} exited: see {component.log}")
        raise TimeoutError(f"workers not ready after {timeout}s; logs in {self.logs}")

    def remove(self, component: Component) -> None:
        component.stop()
        if component in self.components:
            self.components.remove(component)

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()
        self.components.clear()
