"""Local processes for script tasks: own process group, streamed lines, killed as a whole group."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from workers.plugins.base import RunContext

# Process groups started by this worker process and still running: a SIGTERM (Celery revoke
# with terminate) kills them all before the process goes (see workers.runner).
_GROUPS: set[int] = set()
_GROUPS_LOCK = threading.Lock()


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all_groups() -> None:
    """Kill every process group this worker process started (a SIGTERM handler calls this)."""
    with _GROUPS_LOCK:
        groups = list(_GROUPS)
    for pgid in groups:
        kill_group(pgid)


def _pump(stream, is_stderr: bool, on_line: Callable[[str, bool], None]) -> None:
    with stream:
        for raw in iter(stream.readline, b""):
            on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"), is_stderr)


def run_process(
    ctx: RunContext,
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    on_line: Callable[[str, bool], None],
) -> int:
    """Run argv in a new session; every line of stdout/stderr goes to on_line; the exit code.

    A cancel (timeout, kill) kills the whole process group. When the main process ends, what is
    left of its group (background children) is killed too, so nothing outlives its task.
    """
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    pgid = process.pid
    with _GROUPS_LOCK:
        _GROUPS.add(pgid)
    remove = ctx.cancel.on_cancel(lambda: kill_group(pgid))
    readers = [
        threading.Thread(target=_pump, args=(process.stdout, False, on_line), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, True, on_line), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        code = process.wait()
    finally:
        kill_group(pgid)
        remove()
        with _GROUPS_LOCK:
            _GROUPS.discard(pgid)
        for reader in readers:
            reader.join(timeout=5)
    return code
