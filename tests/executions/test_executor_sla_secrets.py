"""The executor around the engine: SECRET inputs travel encrypted with what the worker needs to
decrypt them, and SLAs act on the stored execution (labels, the MAX_DURATION wake-up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage

from executions import dispatch, executor, services
from executions.models import Execution
from flows import services as flow_services
from workers import runner

pytestmark = pytest.mark.django_db

SECRET = """id: secret
namespace: company.team
inputs:
  - id: pw
    type: SECRET
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.pw }}"
"""

SLA = """id: sla
namespace: company.team
inputs:
  - id: mode
    type: STRING
    defaults: LABEL
sla:
  - id: late
    type: MAX_DURATION
    behavior: FAIL
    duration: PT1H
  - id: labelled
    type: EXECUTION_ASSERTION
    behavior: NONE
    assert: "{{ inputs.mode != 'LABEL' }}"
    labels:
      sla: violated
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


@pytest.fixture(autouse=True)
def storage_root(tmp_path, monkeypatch):
    from kestra_site import storage

    backend = FileSystemStorage(location=str(tmp_path / "storage"))
    monkeypatch.setattr(storage, "internal_storage", lambda: backend)


def test_a_worker_gets_the_secret_inputs_it_must_decrypt(settings) -> None:
    settings.KESTRA = {**settings.KESTRA, "ENCRYPTION_SECRET_KEY": "k" * 32}
    flow_services.flow_create(source=SECRET)
    row = services.execution_create(
        namespace="company.team", flow_id="secret", inputs={"pw": "hunter2"}
    )
    outcome = executor.execution_process(row.id)
    job = outcome.worker_jobs[0]
    assert job.variables["inputs"]["pw"] not in (None, "hunter2")  # encrypted in the job
    plan = executor.flow_plan("company.team", "secret", row.flow_revision)
    extras = executor._job_extras(row, plan, outcome.worker_jobs)
    assert extras[job.task_run_id]["secret_inputs"] == [{"id": "pw", "type": "SECRET"}]
    result = runner.run_job(dispatch.job_payload(job, extras[job.task_run_id]))
    assert result["state"] == "SUCCESS" and result["outputs"] == {"value": "hunter2"}


def test_sla_labels_and_the_max_duration_wake_up_are_stored() -> None:
    flow_services.flow_create(source=SLA)
    row = services.execution_create(namespace="company.team", flow_id="sla")
    executor.execution_process(row.id)
    stored = Execution.objects.get(pk=row.id)
    assert {"key": "sla", "value": "violated"} in stored.labels
    assert stored.state == "RUNNING"
    assert stored.wake_at == stored.start_date + timedelta(hours=1)
