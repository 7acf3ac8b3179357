"""Run one worker job: render and execute the task, collect its logs, build the result message.

No database here: a worker needs only the broker and internal storage.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from typing import Any

from executions.inputs.runtime import decrypt_secrets, secret_values
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

    inputs_mask = SecretMask()  # SECRET inputs: hidden in logs, returned as is in outputs
    try:
        variables = with_secret_inputs(job, inputs_mask)
    except Exception as error:  # a wrong key or a damaged value fails the task, as in Kestra
        message = f"Unable to decrypt the SECRET inputs: {type(error).__name__}: {error}"
        log("ERROR", message)
        return _payload(job, RunResult("FAILED", None, message), logs)
    context = RunContext(
        task=job["task"],
        variables=variables,
        renderer=renderer(job, mask),
        log=mask.log(inputs_mask.log(log)),
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
    result.error = inputs_mask.value(mask.value(result.error))
    if result.children is not None:  # a WorkingDirectory: mask what each child reported
        result.children = [_masked(child, mask, inputs_mask) for child in result.children]
    return _payload(job, result, logs)


def _masked(child: dict[str, Any], mask: SecretMask, inputs_mask: SecretMask) -> dict[str, Any]:
    logs = [
        {**line, "message": inputs_mask.text(mask.text(line["message"]))}
        for line in child.get("logs") or []
    ]
    error = inputs_mask.value(mask.value(child.get("error")))
    return {**child, "outputs": mask.value(child.get("outputs")), "error": error, "logs": logs}


def with_secret_inputs(job: dict[str, Any], log_mask: SecretMask) -> dict[str, Any]:
    """The job's variables with the flow's SECRET inputs (`secret_inputs`, from the executor)
    decrypted with this worker's key; their clear values are remembered for log masking."""
    variables: dict[str, Any] = job["variables"]
    declared = job.get("secret_inputs")
    if not declared or not variables.get("inputs"):
        return variables
    from kestra_site import encryption

    inputs = decrypt_secrets(declared, variables["inputs"], encryption.decrypt)
    for value in secret_values(declared, inputs):
        log_mask.remember(value)
    return {**variables, "inputs": inputs}


def _payload(job: dict[str, Any], result: RunResult, logs: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "execution_id": job["execution_id"],
        "task_run_id": job["task_run_id"],
        "task_id": job["task"].get("id"),
        "attempt": job["attempt"],
        "state": result.state,
        "outputs": result.outputs,
        "error": result.error,
        "logs": logs,
        **({"children": result.children} if result.children is not None else {}),
    }
