"""The README's first command: `manage.py standalone` on SQLite and the embedded broker."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.processes import REPO, free_port

pytestmark = pytest.mark.e2e

FLOW = """
id: hello
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: "Hello {{ inputs.name }}"
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "from the shell"
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.greet.value }}"
"""


@pytest.fixture
def standalone(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KESTRA_BROKER_DIR=str(tmp_path / "broker"),
        KESTRA_STORAGE_ROOT=str(tmp_path / "storage"),
        KESTRA_ADMIN_USER="admin",
        KESTRA_ADMIN_PASSWORD="standalone-pw",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "standalone.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "standalone", "--port", str(port), "--no-scheduler"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert process.poll() is None, (tmp_path / "standalone.log").read_text()
        time.sleep(0.5)
    yield base, process, tmp_path / "standalone.log"
    for pid in processes_using(str(tmp_path)):
        os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_standalone_runs_a_posted_flow_and_stops_cleanly(standalone):
    base, process, log = standalone
    auth = ("admin", "standalone-pw")
    created = requests.post(
        f"{base}/api/v1/main/flows",
        data=FLOW,
        auth=auth,
        timeout=120,
        headers={"Content-Type": "application/x-yaml"},
    )
    assert created.status_code == 200, created.text
    run = requests.post(
        f"{base}/api/v1/main/executions/company.team/hello?wait=true",
        data={"name": "standalone"},
        auth=auth,
        timeout=300,
    )
    assert run.status_code == 200, run.text
    execution = run.json()
    assert execution["state"]["current"] == "SUCCESS", execution
    assert execution["outputs"] == {"greeting": "Hello standalone"}

    process.send_signal(signal.SIGINT)  # Ctrl-C
    assert process.wait(60) == 0
    assert "stopped" in log.read_text()
    assert processes_using(str(log.parent)) == []


def processes_using(marker: str) -> list[int]:
    """Pids whose environment mentions `marker` (every child got the temp folders)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found
