"""Worker plugins in a real cluster: scripts with outputs/files/KV, kill and timeout of scripts."""

import os
import time
from pathlib import Path

import pytest

from executions import services
from executions.models import TaskRun
from flows import services as flow_services
from tests.e2e.conftest import wait_for, wait_terminal

pytestmark = pytest.mark.e2e


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_script_outputs_files_and_kv(running):
    flow_services.flow_create(
        source="""
id: scripted
namespace: e2e.plugins
tasks:
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    outputFiles: ["out.txt"]
    script: |
      from kestra import Kestra
      open("out.txt", "w").write("written")
      Kestra.outputs({"x": 1})
  - id: remember
    type: io.kestra.plugin.core.kv.Set
    key: size
    value: "{{ outputs.py.vars.x + 41 }}"
  - id: recall
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('size') }} {{ read(outputs.py.outputFiles['out.txt']) }}"
"""
    )
    row = services.execution_create(namespace="e2e.plugins", flow_id="scripted")
    done = wait_terminal(row.id)
    assert done.state == "SUCCESS"
    recall = TaskRun.objects.get(execution=done, task_id="recall")
    assert recall.outputs == {"value": "42 written"}


def test_kill_and_timeout_stop_the_whole_script_group(running, tmp_path):
    pid_file = tmp_path / "child.pid"
    flow_services.flow_create(
        source=f"""
id: long
namespace: e2e.plugins
tasks:
  - id: sh
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - "sleep 60 & echo $! > {pid_file}; wait"
"""
    )
    row = services.execution_create(namespace="e2e.plugins", flow_id="long")
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip())
    child = int(pid_file.read_text())
    assert _alive(child)
    services.execution_kill(row.id)
    assert wait_terminal(row.id, timeout=30).state == "KILLED"
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)

    flow_services.flow_create(
        source="""
id: slow
namespace: e2e.plugins
tasks:
  - id: sh
    type: io.kestra.plugin.scripts.shell.Commands
    timeout: PT1S
    commands: ["sleep 30"]
"""
    )
    row = services.execution_create(namespace="e2e.plugins", flow_id="slow")
    done = wait_terminal(row.id, timeout=30)
    assert done.state == "FAILED"
    run = TaskRun.objects.get(execution=done, task_id="sh")
    assert run.state == "FAILED"
