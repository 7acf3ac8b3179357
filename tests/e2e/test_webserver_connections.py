"""The webserver under uvicorn keeps its PostgreSQL connections in a bounded pool: many
requests (and a server-sent event stream held open meanwhile) never open more than
DATABASE_POOL connections. Without the pool, each ASGI request thread kept a persistent
connection of its own, until PostgreSQL refused clients (seen in the benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import wait_database_quiet
from tests.processes import REPO, free_port

pytestmark = pytest.mark.e2e
APP_NAME = "kestra-test-web-pool"


def _connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
        )
        return cursor.fetchone()[0]


def test_requests_share_a_bounded_pool(transactional_db, django_user_model, tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    from rest_framework.authtoken.models import Token

    from executions.services import execution_create
    from flows import services as flow_services

    user = django_user_model.objects.create_superuser(username="pool", password="unused-1234")
    token = Token.objects.create(user=user).key  # the server hashes passwords its own way
    flow_services.flow_create(
        source="id: idle\nnamespace: tests.pool\ntasks:\n"
        "  - {id: t, type: io.kestra.plugin.core.flow.Pause}\n"
    )
    waiting = execution_create(namespace="tests.pool", flow_id="idle")  # open: never resumed
    settings = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}",
        "DATABASE_APPLICATION_NAME": APP_NAME,
        "DATABASE_POOL": "4",
    }
    log = (tmp_path / "web.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "kestra_site.asgi:application", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1/main"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/flows/search", headers=headers, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        stop = threading.Event()

        def hold_a_stream() -> None:  # an SSE stream open during the whole test
            with requests.get(
                f"{base}/logs/{waiting.id}/follow", headers=headers, stream=True, timeout=60
            ) as response:
                for _ in response.iter_content(64):
                    if stop.is_set():
                        return

        streamer = threading.Thread(target=hold_a_stream, daemon=True)
        streamer.start()
        peak = 0

        def call(_: int) -> int:
            response = requests.get(f"{base}/flows/search", headers=headers, timeout=30)
            return response.status_code

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(call, i) for i in range(200)]
            while not all(f.done() for f in futures):
                peak = max(peak, _connections())
                time.sleep(0.05)
        codes = {f.result() for f in futures}
        peak = max(peak, _connections())
        stop.set()
        assert codes == {200}, codes
        assert 0 < peak <= 4, f"{peak} connections for a pool of 4"
    finally:
        server.terminate()
        server.wait(10)
        # The execution's tick may reach a test cluster's executor: let it finish before the
        # database is flushed.
        wait_database_quiet()
