"""Run one worker job: render and execute the task, collect its logs, build the result message.

No database here: a worker needs only the broker and internal storage.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from typing import Any

from executions.templating import Functions, Renderer
from workers.attempt import SecretMask, guarded, timeout_message, timeout_seconds
from workers.hooks import storage_functions
from workers.plugins import RunContext, RunResult, run_task
from workers.plugins.cancel import Cancel


def secret(name: str) -> str:
    """`secret('NAME')`: the base64 value of the worker's SECRET_NAME environment variable."""
    raw = os.environ.get(f"SECRET_{name}")
    if raw is None:
        raise KeyError(f"Unable to find secret '{name}': set SECRET_{name} on the worker")
    return base64.b64decode(raw).decode()


def renderer(job: dict[str, Any] | None = None, mask: SecretMask | None = None) -> Renderer:
    error_logs = (job or {}).get("error_logs") or []
    mask = mask or SecretMask()
    return Renderer(
        Functions(
            **storage_functions((job or {}).get("variables") or {}),
            secret=lambda name: mask.remember(secret(name)),
            error_logs=lambda: error_logs,
        )
    )


def _stamp() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Execute one attempt; the returned payload is the `executions.result` message."""
    logs: list[dict[str, str]] = []
    mask, cancel = SecretMask(), Cancel()

    def log(level: str, message: str) -> None:
        logs.append({"level": level, "message": message, "timestamp": _stamp()})

    from kestra_site.storage import InternalStorage

    context = RunContext(
        task=job["task"],
        variables=job["variables"],
        renderer=renderer(job, mask),
        log=mask.log(log),
        attempt=job["attempt"],
        sleep=cancel.sleep,
        storage=InternalStorage(),
        cancel=cancel,
    )
    timeout = timeout_seconds(job.get("timeout") or job["task"].get("timeout"))
    with guarded(cancel, timeout):
        result = run_task(context)
    if cancel.reason == "timeout" and timeout is not None:
        result = RunResult("FAILED", result.outputs, timeout_message(timeout))
        context.log("ERROR", result.error or "")
    result.outputs = mask.value(result.outputs)
    result.error = mask.value(result.error)
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
