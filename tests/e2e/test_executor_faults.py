"""The executor killed at its named failure points (kestra_site/faults.py), for real: the process
dies with no cleanup in the middle of a hop. A fresh executor takes over; the execution
completes, and no attempt of a task run is ever dispatched twice (a worker's job id is
`<task run id>:<attempt>`, and each attempt of each task run is seen by the worker once)."""

from __future__ import annotations

import pytest

from executions.models import Execution, LogEntry, TaskRun
from executions.services import execution_create
from flows import services as flow_services
from tests.conftest import sweep_until, wait_for
from tests.invariants import check_invariants

FLOW = """
id: faults
namespace: e2e.faults
tasks:
  - id: one
    type: io.kestra.plugin.core.log.Log
    message: "one {{ taskrun.id }} {{ taskrun.attemptsCount }}"
  - id: two
    type: io.kestra.plugin.core.log.Log
    message: "two {{ taskrun.id }} {{ taskrun.attemptsCount }}"
  - id: three
    type: io.kestra.plugin.core.log.Log
    message: "three {{ taskrun.id }} {{ taskrun.attemptsCount }}"
"""


@pytest.fixture
def executor_swap(running, settings):
    """Replaces the session's executor by one that dies at a failure point; puts a healthy one
    back afterwards (and leaves it running for the next tests)."""
    settings.KESTRA = {**settings.KESTRA, "HEARTBEAT_TIMEOUT_SECONDS": 4}
    healthy = next(c for c in running.components if c.name == "executor")
    env = dict(healthy.env)
    running.remove(healthy)
    started = []

    def start(fault: str | None):
        component = running.add(
            "executor",
            "executor",
            pool="threads",
            concurrency=6,
            env={**env, "KESTRA_FAULT": fault} if fault else env,
        )
        started.append(component)
        return component

    yield start
    for component in started:
        if component.process is not None and component.process.poll() is not None:
            running.components.remove(component)
    if not any(c.name == "executor" for c in running.components):
        start(None)
    running.wait_ready()


@pytest.mark.parametrize(
    "fault",
    [
        # the second hop: the creation tick went through, the first task's result is applied
        "executor.before_commit@2",
        "executor.after_commit@2",
        "executor.after_send@2",
    ],
)
def test_the_executor_dies_mid_hop_and_a_new_one_finishes_the_execution(executor_swap, fault):
    flow_services.flow_create(source=FLOW)
    dying = executor_swap(fault)
    row = execution_create(namespace="e2e.faults", flow_id="faults")
    wait_for(lambda: dying.process.poll() is not None, timeout=60)
    assert dying.process.returncode != 0, "the failure point was never reached"

    executor_swap(None)
    sweep_until(lambda: Execution.objects.get(pk=row.id).state == "SUCCESS", timeout=120)
    done = Execution.objects.get(pk=row.id)

    runs = {t.task_id: t for t in TaskRun.objects.filter(execution=done)}
    assert sorted(runs) == ["one", "three", "two"]
    for task_run in runs.values():
        states = [a["state"]["current"] for a in task_run.attempts]
        assert states[-1] == "SUCCESS", (task_run.task_id, states)
        # each attempt ran at most once: one log line per (task run, attempt)
        lines = [
            line.message
            for line in LogEntry.objects.filter(task_run_id=task_run.id, level="INFO")
            if line.message.startswith(task_run.task_id + " ")
        ]
        assert len(lines) == len(set(lines)), lines
        assert len(lines) <= len(states)
    assert check_invariants() == []
