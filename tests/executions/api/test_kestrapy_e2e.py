"""kestrapy against a live server and a real executor and worker: the execution calls it makes."""

import time

import pytest
from kestrapy import KestraClient
from kestrapy.exceptions import ApiException, UnprocessableEntityException

from executions.models import TaskRun
from flows import services as flow_services
from tests.conftest import wait_for, wait_terminal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
T = "main"
NS = "e2e.api"

FLOWS = {
    "hello": """
id: hello
namespace: e2e.api
inputs:
  - id: who
    type: STRING
  - id: note
    type: FILE
    required: false
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.who }}"
  - id: shout
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.who | upper }}"
outputs:
  - id: shouted
    type: STRING
    value: "{{ outputs.shout.value }}"
""",
    "flaky": """
id: flaky
namespace: e2e.api
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: before
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount == 0 }}"
    errorMessage: first run fails
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: after
""",
    "sleeper": """
id: sleeper
namespace: e2e.api
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
""",
    "approval": """
id: approval
namespace: e2e.api
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: "approved={{ outputs.wait.onResume.approved }}"
""",
}


@pytest.fixture
def kestra(running, live_server, user, password):
    for source in FLOWS.values():
        flow_services.flow_create(source=source)
    client = KestraClient(
        host=live_server.url, username=user.username, password=password, timeout=60
    )
    yield client
    # Closing the keep-alive connection ends the server's request thread and its DB connection.
    client.close()
    time.sleep(0.2)


def extra(model, name):
    """A field kestrapy's model does not declare (Kestra's `outputs`), kept aside by kestrapy."""
    value = getattr(model, name, None)
    return value if value is not None else (model.additional_properties or {}).get(name)


def test_run_with_wait_then_read_outputs_logs_search_and_graph(kestra):
    ex = kestra.executions
    done = ex.create_execution(
        tenant=T,
        namespace=NS,
        id="hello",
        wait=True,
        labels=["team:api"],
        inputs={"who": "kestra", "note": ("note.txt", b"a file")},
    )
    assert done.state.current.value == "SUCCESS"
    assert extra(done, "outputs") == {"shouted": "KESTRA"}
    assert done.inputs["note"].startswith("kestra:///e2e/api/hello/executions/")
    assert {(label.key, label.value) for label in done.labels} >= {("team", "api")}

    got = ex.execution(execution_id=done.id, tenant=T)
    assert [t.task_id for t in got.task_run_list] == ["greet", "shout"]

    logs = kestra.logs.list_logs_from_execution(execution_id=done.id, tenant=T)
    assert any(entry.message == "Hello kestra" for entry in logs)
    text = kestra.logs.download_logs_from_execution(execution_id=done.id, tenant=T)
    assert "Hello kestra" in text
    found = kestra.logs.search_logs(tenant=T, page=1, size=10)
    assert found.total >= 1

    page = ex.search_executions(tenant=T, page=1, size=10)
    assert done.id in [r["id"] for r in page["results"]]
    by_flow = ex.search_executions_by_flow_id(tenant=T, namespace=NS, flow_id="hello")
    assert by_flow["total"] == 1

    followed = list(ex.follow_execution(execution_id=done.id, tenant=T))
    assert followed[-1].state.current.value == "SUCCESS"

    graph = ex.execution_flow_graph(execution_id=done.id, tenant=T)
    assert any(node.uid == "root.greet" for node in graph.nodes)

    with pytest.raises(UnprocessableEntityException):
        ex.create_execution(tenant=T, namespace=NS, id="hello", inputs={})  # `who` is required

    labelled = ex.set_labels_on_terminated_execution(
        execution_id=done.id, tenant=T, labels=[{"key": "checked", "value": "yes"}]
    )
    assert ("checked", "yes") in {(label.key, label.value) for label in labelled.labels}
    ex.delete_execution(execution_id=done.id, tenant=T)
    with pytest.raises(ApiException):
        ex.execution(execution_id=done.id, tenant=T)


def test_kill_a_running_execution(kestra):
    ex = kestra.executions
    started = ex.create_execution(tenant=T, namespace=NS, id="sleeper")
    wait_for(lambda: TaskRun.objects.filter(execution_id=started.id, state="RUNNING").exists())
    ex.kill_execution(execution_id=started.id, tenant=T)
    assert wait_terminal(started.id, timeout=30).state == "KILLED"


def test_restart_a_failed_execution_then_replay_it(kestra):
    ex = kestra.executions
    failed = ex.create_execution(tenant=T, namespace=NS, id="flaky", wait=True)
    assert failed.state.current.value == "FAILED"

    restarted = ex.restart_execution(execution_id=failed.id, tenant=T)
    assert restarted.id == failed.id
    assert wait_terminal(failed.id).state == "SUCCESS"
    done = ex.execution(execution_id=failed.id, tenant=T)
    boom = next(t for t in done.task_run_list if t.task_id == "boom")
    assert [a.state.current.value for a in boom.attempts] == ["FAILED", "SUCCESS"]
    assert [h.state.value for h in done.state.histories][-4:] == [
        "FAILED",
        "RESTARTED",
        "RUNNING",
        "SUCCESS",
    ]

    after = next(t for t in done.task_run_list if t.task_id == "after")
    replay = ex.replay_execution(execution_id=failed.id, tenant=T, task_run_id=after.id)
    assert replay.id != failed.id and replay.original_id == failed.id
    assert wait_terminal(replay.id).state == "SUCCESS"
    copied = ex.execution(execution_id=replay.id, tenant=T)
    assert [t.task_id for t in copied.task_run_list] == ["before", "boom", "after"]


def test_mark_a_failed_task_run_as_success(kestra):
    ex = kestra.executions
    failed = ex.create_execution(tenant=T, namespace=NS, id="flaky", wait=True)
    boom = next(t for t in failed.task_run_list if t.task_id == "boom")
    ex.update_task_run_state(
        execution_id=failed.id, tenant=T, request={"taskRunId": boom.id, "state": "SUCCESS"}
    )
    assert wait_terminal(failed.id).state == "SUCCESS"


def test_resume_a_paused_execution_with_inputs(kestra):
    ex = kestra.executions
    started = ex.create_execution(tenant=T, namespace=NS, id="approval")
    wait_for(
        lambda: ex.execution(execution_id=started.id, tenant=T).state.current.value == "PAUSED"
    )
    with pytest.raises(UnprocessableEntityException):
        ex.resume_execution(execution_id=started.id, tenant=T, inputs={})  # approved is required
    ex.resume_execution(execution_id=started.id, tenant=T, inputs={"approved": True})
    assert wait_terminal(started.id).state == "SUCCESS"
    done = TaskRun.objects.get(execution_id=started.id, task_id="done")
    assert done.outputs == {"value": "approved=true"}
