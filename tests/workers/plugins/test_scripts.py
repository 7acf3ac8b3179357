"""Script tasks as real local processes: outputs protocol, files, exit codes, kill and timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.workers.plugins.support import Lines, context, make_storage
from workers.plugins import run_task

SHELL = "io.kestra.plugin.scripts.shell.Commands"
SHELL_SCRIPT = "io.kestra.plugin.scripts.shell.Script"
PY_SCRIPT = "io.kestra.plugin.scripts.python.Script"
PY_COMMANDS = "io.kestra.plugin.scripts.python.Commands"


@pytest.fixture
def store(tmp_path):
    return make_storage(tmp_path / "storage")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose (its parent, the shell, died and init reaps it).
    state = Path(f"/proc/{pid}/stat")
    return state.exists() and state.read_text().split()[2] != "Z"


def test_commands_outputs_logs_and_stderr_warning(store) -> None:
    logs = Lines()
    task = {
        "type": SHELL,
        "commands": [
            "echo hello {{ flow.id }}",
            """echo '::{"outputs":{"a":1,"b":"x"}}::'""",
            """echo '::{"logs":[{"level":"WARN","message":"careful"}]}::'""",
            "echo oops >&2",
        ],
    }
    result = run_task(context(task, store, logs))
    assert result.state == "WARNING"
    assert result.outputs == {"vars": {"a": 1, "b": "x"}, "exitCode": 0, "outputFiles": {}}
    assert ("INFO", "hello flow") in logs
    assert ("WARN", "careful") in logs
    assert ("ERROR", "oops") in logs


def test_warning_on_stderr_can_be_turned_off(store) -> None:
    task = {"type": SHELL, "commands": ["echo x >&2"], "warningOnStdErr": False}
    assert run_task(context(task, store)).state == "SUCCESS"


def test_exit_code_fails_with_the_code_in_outputs(store) -> None:
    logs = Lines()
    task = {"type": SHELL, "commands": ["""echo '::{"outputs":{"before":true}}::'""", "exit 3"]}
    result = run_task(context(task, store, logs))
    assert result.state == "FAILED"
    assert result.outputs["exitCode"] == 3 and result.outputs["vars"] == {"before": True}
    assert result.error == "Command failed with exit code 3"


def test_fail_fast_stops_at_the_first_failing_command(store) -> None:
    logs = Lines()
    task = {"type": SHELL, "commands": ["false", "echo after"]}
    assert run_task(context(task, store, logs)).state == "FAILED"
    assert "after" not in logs.messages()


def test_env_before_commands_interpreter_and_working_dir(store) -> None:
    logs = Lines()
    task = {
        "type": SHELL_SCRIPT,
        "beforeCommands": ["export GREETING=hi"],
        "env": {"NAME": "{{ flow.namespace }}"},
        "interpreter": ["/bin/bash", "-c"],
        "script": 'echo "$GREETING $NAME $BASH_VERSION" | cut -c1-20\ntest -n "$WORKING_DIR"',
    }
    result = run_task(context(task, store, logs))
    assert result.state == "SUCCESS", logs
    assert logs.messages("INFO")[0].startswith("hi company.team ")


def test_input_files_output_files_and_internal_storage_uris(store) -> None:
    uri = store.put("company/team/flow/executions/exec1/tasks/w/r/data.txt", b"from storage\n")
    logs = Lines()
    task = {
        "type": SHELL,
        "inputFiles": {"in/a.txt": "inline {{ flow.id }}", "b.txt": uri},
        "outputFiles": ["*.out", "sub/**"],
        "commands": [
            "cat in/a.txt b.txt > result.out",
            f"cat {uri} >> result.out",
            "mkdir -p sub/deep && echo deep > sub/deep/x.csv && echo no > ignored.txt",
        ],
    }
    result = run_task(context(task, store, logs))
    assert result.state == "SUCCESS", logs
    produced = result.outputs["outputFiles"]
    assert sorted(produced) == ["result.out", "sub/deep/x.csv"]
    path = produced["result.out"][len("kestra://") :]
    assert path.startswith("/company/team/flow/executions/exec1/tasks/t/run-t/")
    with store.open(path) as handle:
        assert handle.read() == b"inline flowfrom storage\nfrom storage\n"


def test_namespace_files_are_copied_into_the_working_dir(store) -> None:
    store.put("company/team/_files/scripts/hello.sh", b"echo from namespace")
    store.put("company/team/_files/other.txt", b"skip")
    logs = Lines()
    task = {
        "type": SHELL,
        "namespaceFiles": {"enabled": True, "include": ["scripts/**"]},
        "commands": ["sh scripts/hello.sh", "test ! -e other.txt"],
    }
    assert run_task(context(task, store, logs)).state == "SUCCESS", logs
    assert "from namespace" in logs.messages("INFO")


def test_python_script_uses_the_kestra_package(store) -> None:
    logs = Lines()
    script = textwrap.dedent(
        """
        from kestra import Kestra
        import sys
        Kestra.outputs({"x": 1, "flag": true})
        print("py", sys.version_info[0])
        """
    )
    result = run_task(context({"type": PY_SCRIPT, "script": script}, store, logs))
    assert result.state == "SUCCESS", logs
    assert result.outputs["vars"] == {"x": 1, "flag": True}
    assert ("INFO", "py 3") in logs


def test_python_commands_run_the_workers_python(store) -> None:
    logs = Lines()
    task = {
        "type": PY_COMMANDS,
        "inputFiles": {"main.py": "import sys; print(sys.executable)"},
        "commands": ["python main.py"],
    }
    assert run_task(context(task, store, logs)).state == "SUCCESS", logs
    assert Path(logs.messages("INFO")[0]).parent == Path(sys.executable).parent


def test_cancel_kills_the_whole_process_group(store, tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    ctx = context({"type": SHELL, "commands": [f"sleep 60 & echo $! > {pid_file}; wait"]}, store)
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(result=run_task(ctx)))
    runner.start()
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert _alive(child)
    started = time.monotonic()
    ctx.cancel.cancel("killed")
    runner.join(timeout=5)
    assert not runner.is_alive() and time.monotonic() - started < 5
    assert outcome["result"].state == "KILLED"
    time.sleep(0.2)
    assert not _alive(child)


KILL_JOB = """
import json, sys
sys.path.insert(0, {repo!r})
from django.core.files.storage import FileSystemStorage
from kestra_site import storage
from workers import runner
storage.InternalStorage.backend = property(lambda self: FileSystemStorage(location={root!r}))
job = {{"execution_id": "e", "task_run_id": "tr", "attempt": 1, "timeout": None,
       "task": {{"id": "t", "type": "{type}", "commands": ["sleep 60 & echo $! > {pid}; wait"]}},
       "variables": {{"flow": {{"id": "f", "namespace": "n"}}, "execution": {{"id": "e"}}}}}}
runner.run_job(job)
"""


def test_sigterm_to_the_worker_kills_the_group_within_seconds(tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    code = KILL_JOB.format(
        repo=str(Path(__file__).resolve().parents[3]),
        root=str(tmp_path / "storage"),
        type=SHELL,
        pid=pid_file,
    )
    worker = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline and worker.poll() is None
        time.sleep(0.05)
    child = int(pid_file.read_text())
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=5)
    assert worker.returncode == -signal.SIGTERM
    end = time.monotonic() + 5
    while _alive(child) and time.monotonic() < end:
        time.sleep(0.05)
    assert not _alive(child)
