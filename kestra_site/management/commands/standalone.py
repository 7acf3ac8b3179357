"""`manage.py standalone`: every component as a supervised child process, on one machine.

Webserver (uvicorn), executor, workers for the default group and celery-beat, on SQLite and
the embedded broker unless DATABASE_URL / CELERY_BROKER_URL name real services. Ctrl-C
stops everything cleanly; a child that dies is started again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

RESTART_BACKOFF_SECONDS = (1, 2, 5, 10, 30)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.argv, env=env, start_new_session=True)
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        """SIGTERM goes to the child alone (Celery shuts its pool down warmly); SIGKILL goes
        to its whole process group so nothing is left behind."""
        if not self.alive():
            return
        try:
            if sig == signal.SIGKILL:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)
        except ProcessLookupError:
            pass


class Command(BaseCommand):
    help = "Run the webserver, executor, workers and scheduler together (local mode)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8080)
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Concurrent task slots of the default worker group.",
        )
        parser.add_argument("--flows", help="Load every flow of this folder at start.")
        parser.add_argument("--no-scheduler", action="store_true")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("bootstrap")
        if options["flows"]:
            self._load_flows(Path(options["flows"]))
        children = self._children(options)
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start(env)
        broker = settings.CELERY_BROKER_URL.split(":")[0]
        self.stdout.write(
            self.style.SUCCESS(
                f"kestra-py is running on http://{options['host']}:{options['port']}/ "
                f"(database: {connection.vendor}, broker: {broker}) - Ctrl-C stops everything"
            )
        )
        self.stdout.write(f"Web UI: http://{options['host']}:{options['port']}/ui/")
        try:
            while not stopping:
                for child in children:
                    if not child.alive() and not stopping:
                        self._restart(child, env)
                time.sleep(0.5)
        finally:
            self._shutdown(children)

    def _children(self, options) -> list[Child]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "kestra_site"]
        sqlite = connection.vendor == "sqlite"
        # SQLite serializes writers; one executor thread avoids pointless lock waits.
        executor_pool = ["-P", "solo"] if sqlite else ["-P", "threads", "-c", "4"]
        children = [
            Child(
                "webserver",
                [
                    python,
                    "-m",
                    "uvicorn",
                    "kestra_site.asgi:application",
                    "--host",
                    options["host"],
                    "--port",
                    str(options["port"]),
                    "--log-level",
                    "warning",
                ],
            ),
            Child(
                "executor",
                [
                    *celery,
                    "worker",
                    "-Q",
                    # with Elasticsearch configured, the executor child also drains the indexer
                    "executor,indexer"
                    if settings.INDEXER["BACKEND"] == "elasticsearch"
                    else "executor",
                    *executor_pool,
                    "-n",
                    "executor@%h",
                    "--loglevel=WARNING",
                ],
            ),
            Child(
                "worker",
                [
                    *celery,
                    "worker",
                    "-Q",
                    settings.KESTRA["DEFAULT_WORKER_GROUP"],
                    "-c",
                    str(options["workers"]),
                    "-n",
                    "worker@%h",
                    "--loglevel=WARNING",
                ],
            ),
        ]
        if not options["no_scheduler"]:
            children.append(
                Child(
                    "scheduler",
                    [
                        *celery,
                        "beat",
                        "-S",
                        "django_celery_beat.schedulers:DatabaseScheduler",
                        "--loglevel=WARNING",
                    ],
                )
            )
        return children

    def _restart(self, child: Child, env: dict[str, str]) -> None:
        code = child.process.returncode if child.process else None
        if time.monotonic() - child.started_at > 60:
            child.restarts = 0
        delay = RESTART_BACKOFF_SECONDS[min(child.restarts, len(RESTART_BACKOFF_SECONDS) - 1)]
        self.stderr.write(f"{child.name} exited (code {code}); restarting in {delay}s")
        time.sleep(delay)
        child.restarts += 1
        child.start(env)

    def _shutdown(self, children: list[Child]) -> None:
        self.stdout.write("stopping...")
        for child in children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children:
            while child.alive() and time.monotonic() < deadline:
                time.sleep(0.1)
            if child.alive():
                child.signal(signal.SIGKILL)
        self.stdout.write("stopped")

    def _load_flows(self, folder: Path) -> None:
        from flows import selectors, services
        from flows.management.commands.flow import flow_files
        from kestra_site.errors import DomainError

        if not folder.is_dir():
            raise CommandError(f"--flows {folder}: not a folder")
        loaded = 0
        for path in flow_files([str(folder)]):
            source = path.read_text(encoding="utf-8")
            try:
                parsed = services.flow_parse(source)
                if (
                    selectors.flows_active()
                    .filter(namespace=parsed.namespace, flow_id=parsed.id)
                    .exists()
                ):
                    services.flow_update(
                        namespace=parsed.namespace, flow_id=parsed.id, source=source
                    )
                else:
                    services.flow_create(source=source)
                loaded += 1
            except DomainError as error:
                self.stderr.write(f"{path}: {error.message}")
        self.stdout.write(f"loaded {loaded} flow(s) from {folder}")
