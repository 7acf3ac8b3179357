"""Run one worker job: render and execute the task, collect its logs, build the result message.

No database here: a worker needs only the broker and internal storage.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from typing import Any

from executions.templating import Functions, Renderer
from workers.plugins import RunContext, run_task


def secret(name: str) -> str:
    """`secret('NAME')`: the base64 value of the worker's SECRET_NAME environment variable."""
    raw = os.environ.get(f"SECRET_{name}")
    if raw is None:
        raise KeyError(f"Unable to find secret '{name}': set SECRET_{name} on the worker")
    return base64.b64decode(raw).decode()


def _read(uri: str) -> str:
    from kestra_site import storage

    return storage.read_text(uri)


def renderer(job: dict[str, Any] | None = None) -> Renderer:
    error_logs = (job or {}).get("error_logs") or []
    return Renderer(Functions(read=_read, secret=secret, error_logs=lambda: error_logs))


def _stamp() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Execute one attempt; the returned payload is the `executions.result` message."""
    logs: list[dict[str, str]] = []

    def log(level: str, message: str) -> None:
        logs.append({"level": level, "message": message, "timestamp": _stamp()})

    context = RunContext(
        task=job["task"],
        variables=job["variables"],
        renderer=renderer(job),
        log=log,
        attempt=job["attempt"],
    )
    result = run_task(context)
    return {
        "execution_id": job["execution_id"],
        "task_run_id": job["task_run_id"],
        "task_id": job["task"].get("id"),
        "attempt": job["attempt"],
        "state": result.state,
        "outputs": result.outputs,
        "error": result.error,
        "logs": logs,
    }
