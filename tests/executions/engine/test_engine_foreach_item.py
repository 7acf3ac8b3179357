"""ForEachItem: split on a worker, one subflow execution per batch, iterations, merge."""

from executions.engine import Kill, SubflowResult, WorkerResult
from executions.engine.plan import FOREACH_ITEM_MERGE, FOREACH_ITEM_SPLIT
from tests.executions.engine.harness import Harness

FLOW = """
id: fei
namespace: io.kestra.tests
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 4
    namespace: io.kestra.tests
    flowId: child
    wait: true
    transmitFailed: true
    inputs:
      items: "{{ taskrun.items }}"
      n: "{{ taskrun.iteration }}"
"""
URIS = [f"kestra:///io/kestra/tests/fei/executions/e/tasks/each_split/t/{i}.txt" for i in (1, 2, 3)]


def ids(h):
    return [t.task_id for t in h.execution.task_run_list]


def split(h, batches=URIS):
    """Start the flow and answer the split job; the outcome that starts `each_items`."""
    job = h.step([]).worker_jobs[0]
    assert job.task["type"] == FOREACH_ITEM_SPLIT
    assert job.task["items"] == "{{ inputs.file }}" and job.task["batch"] == {"rows": 4}
    outputs = {"splits": "kestra:///s.txt", "batches": list(batches)}
    return h.step([WorkerResult(job.task_run_id, job.attempt, "SUCCESS", outputs)])


def items_run(h):
    return h.task_runs("each_items")[0]


def test_one_subflow_execution_per_batch_with_the_batch_as_input():
    h = Harness.of(FLOW, inputs={"file": "kestra:///in.txt"})
    outcome = split(h)
    assert ids(h) == ["each", "each_split", "each_items"]
    requests = outcome.subflow_requests
    assert [r.inputs for r in requests] == [
        {"items": uri, "n": str(i)} for i, uri in enumerate(URIS, 1)
    ]
    assert {r.flow_id for r in requests} == {"child"}
    assert all(r.parent_task_run_id == items_run(h).id for r in requests)
    assert all({"key": "system.correlationId", "value": "exec1"} in r.labels for r in requests)
    assert items_run(h).outputs == {
        "numberOfBatches": 3,
        "iterations": {"CREATED": 0, "RUNNING": 3},
    }


def finish(h, requests, states):
    events = [
        SubflowResult(r.parent_task_run_id, r.execution_id, state, {"value": r.execution_id})
        for r, state in zip(requests, states, strict=True)
    ]
    return h.step(events)


def test_iterations_count_children_and_the_merge_runs_last():
    h = Harness.of(FLOW, inputs={"file": "kestra:///in.txt"})
    requests = split(h).subflow_requests
    finish(h, requests[:1], ["SUCCESS"])
    assert items_run(h).outputs["iterations"] == {"CREATED": 0, "RUNNING": 2, "SUCCESS": 1}
    assert items_run(h).state.current == "RUNNING"
    finish(h, requests[:1], ["SUCCESS"])  # the executor repeats results: counted once
    outcome = finish(h, requests[1:], ["SUCCESS", "SUCCESS"])
    items = items_run(h)
    assert items.state.current == "SUCCESS" and len(items.attempts) == 1
    assert items.outputs["iterations"] == {"CREATED": 0, "RUNNING": 0, "SUCCESS": 3}
    assert items.outputs["subflowOutputsBaseUri"] == (
        f"/io/kestra/tests/fei/executions/exec1/tasks/each_items/{items.id}"
    )
    merge = outcome.worker_jobs[0]
    assert merge.task == {"id": "each_merge", "type": FOREACH_ITEM_MERGE}
    h.step([WorkerResult(merge.task_run_id, 1, "SUCCESS", {"subflowOutputs": "kestra:///m"})])
    assert h.execution.state.current == "SUCCESS"
    assert ids(h) == ["each", "each_split", "each_items", "each_merge"]


def test_a_failed_child_fails_the_items_and_no_merge_runs():
    h = Harness.of(FLOW, inputs={"file": "kestra:///in.txt"})
    requests = split(h).subflow_requests
    finish(h, requests, ["SUCCESS", "FAILED", "FAILED"])
    assert items_run(h).outputs["iterations"] == {
        "CREATED": 0,
        "RUNNING": 0,
        "SUCCESS": 1,
        "FAILED": 2,
    }
    assert h.execution.state.current == "FAILED"
    assert ids(h) == ["each", "each_split", "each_items"]
    assert h.state_of("each") == "FAILED"


def test_allow_failure_on_the_foreach_item_gives_a_warning_and_goes_on():
    flow = FLOW.replace("    items:", "    allowFailure: true\n    items:", 1) + (
        "  - id: after\n    type: io.kestra.plugin.core.debug.Return\n    format: ok\n"
    )
    h = Harness.of(flow, inputs={"file": "kestra:///in.txt"})
    requests = split(h).subflow_requests
    outcome = finish(h, requests, ["FAILED", "FAILED", "FAILED"])
    assert h.state_of("each_items") == "FAILED"
    assert h.state_of("each") == "WARNING"
    assert [j.task["id"] for j in outcome.worker_jobs] == ["after"]


def test_without_transmit_failed_a_failed_child_is_a_success():
    h = Harness.of(FLOW.replace("transmitFailed: true", "transmitFailed: false"))
    requests = split(h).subflow_requests
    finish(h, requests, ["FAILED", "SUCCESS", "SUCCESS"])
    assert h.state_of("each_items") == "SUCCESS"


def test_no_wait_ends_the_items_at_once():
    h = Harness.of(FLOW.replace("wait: true", "wait: false"))
    outcome = split(h)
    assert len(outcome.subflow_requests) == 3
    assert not any(r.wait for r in outcome.subflow_requests)
    items = items_run(h)
    assert items.state.current == "SUCCESS"
    assert items.outputs == {"numberOfBatches": 3, "iterations": {"RUNNING": 0, "SUCCESS": 3}}
    assert [j.task["id"] for j in outcome.worker_jobs] == ["each_merge"]


def test_an_empty_file_starts_no_subflow_and_succeeds_without_outputs():
    h = Harness.of(FLOW)
    outcome = split(h, batches=[])
    assert outcome.subflow_requests == []
    assert items_run(h).state.current == "SUCCESS" and items_run(h).outputs is None
    assert [j.task["id"] for j in outcome.worker_jobs] == ["each_merge"]


def test_a_child_that_cannot_start_counts_as_failed():
    h = Harness.of(FLOW)
    requests = split(h).subflow_requests
    h.step(
        [
            SubflowResult(r.parent_task_run_id, r.execution_id, "FAILED", error="no flow")
            for r in requests
        ]
    )
    assert h.state_of("each_items") == "FAILED"


def test_killing_kills_every_child_execution():
    h = Harness.of(FLOW)
    requests = split(h).subflow_requests
    outcome = h.step([Kill()])
    assert sorted(k.child_execution_id for k in outcome.kill_jobs) == sorted(
        r.execution_id for r in requests
    )
    assert h.execution.state.current == "KILLED"
