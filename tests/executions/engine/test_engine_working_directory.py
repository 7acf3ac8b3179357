"""WorkingDirectory: one worker job for all its tasks; the engine records each child's task run."""

from executions.engine import Kill, WorkerResult
from executions.engine.plan import WORKING_DIRECTORY
from tests.executions.engine.harness import Harness, run_flow

FLOW = """
id: wd
namespace: io.kestra.tests
tasks:
  - id: worker
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: first
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.id }}"
      - id: second
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.first.value }}-{{ workerTaskrun.id }}"
      - id: disabled
        type: io.kestra.plugin.core.debug.Return
        format: never
        disabled: true
    errors:
      - id: error-t1
        type: io.kestra.plugin.core.debug.Return
        format: "Error Trigger ! {{task.id}}"
  - id: end
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.second.value }}"
"""


def ids(h):
    return [t.task_id for t in h.execution.task_run_list]


def test_the_whole_working_directory_is_one_worker_job():
    h = Harness.of(FLOW)
    outcome = h.step([])
    assert [job.task["type"] for job in outcome.worker_jobs] == [WORKING_DIRECTORY]
    job = outcome.worker_jobs[0]
    assert [t["id"] for t in job.task["tasks"]] == ["first", "second"]  # disabled left out
    assert ids(h) == ["worker"]
    assert h.execution.task_run_list[0].state.current == "RUNNING"
    assert h.step([]).worker_jobs == []  # no child is started while the job runs


def test_each_child_gets_its_task_run_and_outputs_flow_on():
    h = run_flow(FLOW)
    assert h.execution.state.current == "SUCCESS"
    assert ids(h) == ["worker", "first", "second", "end"]
    worker, first, second, end = h.execution.task_run_list
    assert first.parent_task_run_id == worker.id and second.parent_task_run_id == worker.id
    assert first.outputs == {"value": first.id}  # the id the worker chose is the task run's
    assert second.outputs == {"value": f"{first.id}-{worker.id}"}
    assert end.outputs == {"value": second.outputs["value"]}
    assert [len(t.attempts) for t in (worker, first, second)] == [1, 1, 1]
    assert all(t.state.current == "SUCCESS" for t in (worker, first, second, end))


def _result(job, state, children, outputs=None, error=None):
    return WorkerResult(job.task_run_id, job.attempt, state, outputs, error, children=children)


def test_a_failed_child_stops_the_rest_and_runs_errors_on_their_own():
    h = Harness.of(FLOW)
    job = h.step([]).worker_jobs[0]
    child = {"id": "c1", "taskId": "first", "state": "FAILED", "error": "boom", "outputs": None}
    outcome = h.step([_result(job, "FAILED", [child])])
    assert ids(h) == ["worker", "first", "error-t1"]
    assert [j.task["id"] for j in outcome.worker_jobs] == ["error-t1"]
    h.run(events=h.react(outcome))
    assert h.execution.state.current == "FAILED"
    assert h.state_of("worker") == "FAILED" and h.state_of("error-t1") == "SUCCESS"
    assert any(line.message == "boom" for o in h.outcomes for line in o.logs)


def test_a_child_allowed_to_fail_is_a_warning():
    flow = FLOW.replace(
        "      - id: second\n", "      - id: second\n        allowFailure: true\n", 1
    )
    h = Harness.of(flow)
    job = h.step([]).worker_jobs[0]
    children = [
        {"id": "c1", "taskId": "first", "state": "SUCCESS", "outputs": {"value": "x"}},
        {"id": "c2", "taskId": "second", "state": "FAILED"},
    ]
    h.run(events=[_result(job, "SUCCESS", children)])
    assert h.state_of("second") == "WARNING"
    assert h.state_of("worker") == "WARNING"


def test_the_directory_failing_by_itself_fails_it_without_errors():
    h = Harness.of(FLOW)
    job = h.step([]).worker_jobs[0]
    h.run(events=[_result(job, "FAILED", [], error="Failed preExecuteTasks on WorkingDirectory")])
    assert ids(h) == ["worker"]
    assert h.state_of("worker") == "FAILED"
    assert h.execution.state.current == "FAILED"


def test_output_files_are_the_working_directory_outputs_and_a_repeat_is_dropped():
    h = Harness.of(FLOW)
    job = h.step([]).worker_jobs[0]
    children = [
        {"id": "c1", "taskId": "first", "state": "SUCCESS", "outputs": {"value": "a"}},
        {"id": "c2", "taskId": "second", "state": "SUCCESS", "outputs": {"value": "b"}},
    ]
    result = _result(job, "SUCCESS", children, outputs={"outputFiles": {"o.txt": "kestra:///x"}})
    h.step([result])
    assert h.outputs("worker") == {"outputFiles": {"o.txt": "kestra:///x"}}
    again = h.step([result])
    assert again.dropped and len(h.task_runs("first")) == 1


def test_killing_stops_the_job_on_its_worker():
    h = Harness.of(FLOW)
    job = h.step([]).worker_jobs[0]
    outcome = h.step([Kill()])
    assert [(k.task_run_id, k.attempt) for k in outcome.kill_jobs] == [(job.task_run_id, 1)]
    assert h.state_of("worker") == "KILLING"
    h.step([_result(job, "KILLED", [])])
    assert h.execution.state.current == "KILLED"


def test_inside_a_loop_children_see_the_value_and_nest_their_outputs():
    h = run_flow(
        """
id: wd-each
namespace: io.kestra.tests
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["s1"]
    tasks:
      - id: worker
        type: io.kestra.plugin.core.flow.WorkingDirectory
        tasks:
          - id: one
            type: io.kestra.plugin.core.debug.Return
            format: "{{ taskrun.value }}"
          - id: two
            type: io.kestra.plugin.core.debug.Return
            format: "{{ outputs.one.s1.value }}"
  - id: end
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.two.s1.value }}"
"""
    )
    assert h.execution.state.current == "SUCCESS"
    assert h.outputs("one") == {"value": "s1"}
    assert h.outputs("end") == {"value": "s1"}
