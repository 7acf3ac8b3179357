"""WorkingDirectory and ForEachItem in a real cluster: files on workers, subflows per batch."""

import pytest

from executions import services
from executions.models import Execution, LogEntry, TaskRun
from flows import services as flow_services
from kestra_site import storage
from kestra_site.storage import InternalStorage
from tests.e2e.conftest import wait_for, wait_terminal
from workers.plugins.working_directory import cache_path

pytestmark = pytest.mark.e2e

WORKING = """
id: shared-dir
namespace: e2e.files
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      given.txt: "from inputs"
    outputFiles:
      - "*.out"
    cache:
      patterns: ["cached/*.txt"]
      ttl: PT1H
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - mkdir -p cached
          - "test -f cached/seen.txt && echo warm > state.out || echo cold > state.out"
          - echo "{{ taskrun.id }}" > cached/seen.txt
          - cat given.txt
      - id: read
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - "cat state.out given.txt"
      - id: where
        type: io.kestra.plugin.core.debug.Return
        format: "{{ workingDir }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.wd.outputFiles['state.out']) | trim }}"
"""


def _runs(execution):
    return {t.task_id: t for t in TaskRun.objects.filter(execution=execution)}


def test_working_directory_runs_its_tasks_in_one_directory_with_a_cache(running):
    flow_services.flow_create(source=WORKING)
    cache = cache_path({"flow": {"namespace": "e2e.files", "id": "shared-dir"}}, "wd", None)
    InternalStorage().delete(cache)  # a cache from an earlier test session
    first = wait_terminal(services.execution_create(namespace="e2e.files", flow_id="shared-dir").id)
    assert first.state == "SUCCESS"
    runs = _runs(first)
    assert set(runs) == {"wd", "write", "read", "where", "after"}
    assert runs["write"].parent_task_run_id == runs["wd"].id
    assert runs["where"].outputs["value"].startswith("/")  # the `workingDir` variable
    assert runs["after"].outputs == {"value": "cold"}
    logs = LogEntry.objects.filter(task_run_id=runs["read"].id, level="INFO")
    assert [line.message for line in logs.order_by("timestamp", "id")][:2] == [
        "cold",
        "from inputs",
    ]
    assert LogEntry.objects.filter(task_run_id=runs["write"].id, message="from inputs").exists()

    second = wait_terminal(
        services.execution_create(namespace="e2e.files", flow_id="shared-dir").id
    )
    assert second.state == "SUCCESS"
    assert _runs(second)["after"].outputs == {"value": "warm"}  # the cache came back


def test_working_directory_failure_runs_errors_outside(running):
    flow_services.flow_create(
        source="""
id: shared-dir-failing
namespace: e2e.files
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: ko
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["exit 3"]
      - id: never
        type: io.kestra.plugin.core.debug.Return
        format: never
    errors:
      - id: handler
        type: io.kestra.plugin.core.debug.Return
        format: handled
"""
    )
    row = services.execution_create(namespace="e2e.files", flow_id="shared-dir-failing")
    done = wait_terminal(row.id)
    assert done.state == "FAILED"
    runs = _runs(done)
    assert set(runs) == {"wd", "ko", "handler"}
    assert runs["ko"].state == "FAILED" and runs["handler"].state == "SUCCESS"


def test_for_each_item_runs_a_subflow_per_batch_and_merges_their_outputs(running, tmp_path):
    flow_services.flow_create(
        source="""
id: batch-child
namespace: e2e.files
inputs:
  - id: items
    type: STRING
tasks:
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.items) | trim }}"
outputs:
  - id: lines
    type: STRING
    value: "{{ outputs.count.value }}"
"""
    )
    flow_services.flow_create(
        source="""
id: batches
namespace: e2e.files
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 3
    namespace: e2e.files
    flowId: batch-child
    inputs:
      items: "{{ taskrun.items }}"
  - id: merged
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.each_merge.subflowOutputs) }}"
"""
    )
    source = tmp_path / "items.txt"
    source.write_text("".join(f"line {i}\n" for i in range(1, 11)))
    with source.open("rb") as handle:
        row = services.execution_create(
            namespace="e2e.files", flow_id="batches", inputs={"file": handle}
        )
    done = wait_terminal(row.id, timeout=90)
    assert done.state == "SUCCESS"
    runs = _runs(done)
    assert set(runs) == {"each", "each_split", "each_items", "each_merge", "merged"}
    assert runs["each_items"].outputs["numberOfBatches"] == 4
    assert runs["each_items"].outputs["iterations"] == {"CREATED": 0, "RUNNING": 0, "SUCCESS": 4}
    children = Execution.objects.filter(parent_id=done.id)
    assert children.count() == 4
    wait_for(lambda: all(c.state == "SUCCESS" for c in children.all()))
    assert all(
        {"key": "system.correlationId", "value": done.id} in c.labels for c in children.all()
    )
    merged = storage.read_text(runs["each_merge"].outputs["subflowOutputs"]).splitlines()
    assert len(merged) == 4
    assert '"line 10"' in merged[-1]  # the last batch, last: iterations in order
