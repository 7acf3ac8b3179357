"""The worker's run_job around an attempt: timeouts, secret masking, storage functions."""

from __future__ import annotations

import base64
import time

import pytest
from django.core.files.storage import FileSystemStorage

from workers import runner

SHELL = "io.kestra.plugin.scripts.shell.Commands"


@pytest.fixture(autouse=True)
def storage_root(tmp_path, monkeypatch):
    from kestra_site import storage

    backend = FileSystemStorage(location=str(tmp_path / "storage"))
    monkeypatch.setattr(storage, "internal_storage", lambda: backend)
    return backend


def job(task: dict, timeout: str | None = None) -> dict:
    return {
        "execution_id": "e1",
        "task_run_id": "tr1",
        "attempt": 1,
        "timeout": timeout,
        "task": {"id": "t", **task},
        "variables": {
            "flow": {"id": "f", "namespace": "company.team"},
            "execution": {"id": "e1"},
            "task": {"id": "t", "type": task["type"]},
            "taskrun": {"id": "tr1"},
        },
    }


def test_a_script_past_its_timeout_is_killed_and_fails() -> None:
    started = time.monotonic()
    result = runner.run_job(job({"type": SHELL, "commands": ["sleep 30"]}, timeout="PT1S"))
    assert time.monotonic() - started < 5
    assert result["state"] == "FAILED"
    assert result["error"] == "Timeout after 00:00:01.000"
    assert result["logs"][-1]["message"] == "Timeout after 00:00:01.000"


def test_sleep_past_its_timeout_fails() -> None:
    task = {"type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT30S"}
    started = time.monotonic()
    result = runner.run_job(job(task, timeout="PT0.5S"))
    assert time.monotonic() - started < 3
    assert result["state"] == "FAILED" and result["error"].startswith("Timeout after")


def test_secrets_are_masked_in_logs_outputs_and_errors(monkeypatch) -> None:
    monkeypatch.setenv("SECRET_TOKEN", base64.b64encode(b"hunter2").decode())
    logged = runner.run_job(
        job({"type": "io.kestra.plugin.core.log.Log", "message": "t={{ secret('TOKEN') }}"})
    )
    assert logged["logs"][0]["message"] == "t=******"
    returned = runner.run_job(
        job({"type": "io.kestra.plugin.core.debug.Return", "format": "{{ secret('TOKEN') }}!"})
    )
    assert returned["outputs"] == {"value": "******!"}
    script = runner.run_job(
        job({"type": SHELL, "commands": ["echo {{ secret('TOKEN') }}", "exit 1"]})
    )
    assert "hunter2" not in str(script)
    assert {"level": "INFO", "message": "******"}.items() <= script["logs"][1].items()


def test_scripts_do_not_inherit_the_workers_secrets(monkeypatch) -> None:
    monkeypatch.setenv("SECRET_TOKEN", base64.b64encode(b"hunter2").decode())
    result = runner.run_job(job({"type": SHELL, "commands": ['echo "[$SECRET_TOKEN]"']}))
    assert [line["message"] for line in result["logs"] if line["level"] == "INFO"] == ["[]"]


def test_read_file_size_and_kv_functions(storage_root) -> None:
    from kestra_site.kv import store

    uri = "kestra:///company/team/f/executions/e1/tasks/w/r/a.txt"
    storage_root.save("company/team/f/executions/e1/tasks/w/r/a.txt", _file(b"hello"))
    storage_root.save("company/team/_files/conf/x.txt", _file(b"ns file"))
    store("company.team").put("color", "blue")
    template = (
        f"{{{{ read('{uri}') }}}} {{{{ fileSize('{uri}') }}}} {{{{ fileExists('{uri}') }}}}"
        " {{ read('conf/x.txt') }} {{ kv('color') }} {{ kv('nope', errorOnMissing=false) }}"
    )
    result = runner.run_job(job({"type": "io.kestra.plugin.core.debug.Return", "format": template}))
    assert result["outputs"] == {"value": "hello 5 true ns file blue "}, result


def test_read_refuses_other_executions_and_traversal(storage_root) -> None:
    for path in ("kestra:///company/team/other/executions/x/a.txt", "../../etc/passwd"):
        result = runner.run_job(
            job(
                {
                    "type": "io.kestra.plugin.core.debug.Return",
                    "format": f"{{{{ read('{path}') }}}}",
                }
            )
        )
        assert result["state"] == "FAILED"


def _file(content: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(content)


def _secret_job(stored: str) -> dict:
    secret_job = job({"type": "io.kestra.plugin.core.log.Log", "message": "is {{ inputs.pw }}"})
    secret_job["variables"]["inputs"] = {"pw": stored, "plain": "x"}
    secret_job["secret_inputs"] = [{"id": "pw", "type": "SECRET"}]
    return secret_job


def test_secret_inputs_are_decrypted_and_masked_in_logs(settings) -> None:
    from kestra_site import encryption

    settings.KESTRA = {**settings.KESTRA, "ENCRYPTION_SECRET_KEY": "k" * 32}
    result = runner.run_job(_secret_job(encryption.encrypt("hunter2")))
    assert result["state"] == "SUCCESS"
    assert [line["message"] for line in result["logs"]] == ["is ******"]
    returned = _secret_job(encryption.encrypt("hunter2"))
    returned["task"] = {"id": "t", "type": "io.kestra.plugin.core.debug.Return"}
    returned["task"]["format"] = "{{ inputs.pw }}"
    assert runner.run_job(returned)["outputs"] == {"value": "hunter2"}


def test_a_secret_input_that_cannot_be_decrypted_fails_the_task(settings) -> None:
    settings.KESTRA = {**settings.KESTRA, "ENCRYPTION_SECRET_KEY": "k" * 32}
    result = runner.run_job(_secret_job("bm90IGEgY2lwaGVydGV4dA=="))
    assert result["state"] == "FAILED"
    assert result["error"].startswith("Unable to decrypt the SECRET inputs")
