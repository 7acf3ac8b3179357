"""Flowable tasks decided by the engine: order, branches, loops, errors, finally, afterExecution."""

from tests.executions.engine.harness import run_flow

NS = "id: f\nnamespace: io.kestra.tests\n"


def ret(task_id: str, fmt: str = "x", indent: int = 2) -> str:
    pad = " " * indent
    return (
        f"{pad}- id: {task_id}\n{pad}  type: io.kestra.plugin.core.debug.Return\n"
        f'{pad}  format: "{fmt}"\n'
    )


def fail(task_id: str, indent: int = 2) -> str:
    pad = " " * indent
    return f"{pad}- id: {task_id}\n{pad}  type: io.kestra.plugin.core.execution.Fail\n"


def order(h):
    return [t.task_id for t in h.execution.task_run_list]


def states(h):
    return {t.task_id: t.state.current.value for t in h.execution.task_run_list}


def test_sequential_runs_in_order_and_succeeds():
    h = run_flow(
        NS + "tasks:\n" + ret("a") + "  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n"
        "    tasks:\n" + ret("b", indent=6) + ret("c", indent=6) + ret("d")
    )
    assert h.execution.state.current == "SUCCESS"
    assert order(h) == ["a", "s", "b", "c", "d"]
    assert all(s == "SUCCESS" for s in states(h).values())


def test_a_failure_stops_the_sequence_and_runs_errors():
    h = run_flow(NS + "tasks:\n" + ret("a") + fail("ko") + ret("never") + "errors:\n" + ret("err"))
    assert h.execution.state.current == "FAILED"
    assert order(h) == ["a", "ko", "err"]
    assert states(h)["err"] == "SUCCESS"


def test_parallel_starts_all_children_in_one_call():
    h = run_flow(
        NS + "tasks:\n  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n"
        "    tasks:\n" + ret("a", indent=6) + ret("b", indent=6) + ret("c", indent=6)
    )
    assert h.execution.state.current == "SUCCESS"
    first = h.outcomes[0]
    assert len(first.worker_jobs) == 3


def test_parallel_concurrent_limit():
    h = run_flow(
        NS + "tasks:\n  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n"
        "    concurrent: 2\n    tasks:\n"
        + ret("a", indent=6)
        + ret("b", indent=6)
        + ret("c", indent=6)
    )
    assert h.execution.state.current == "SUCCESS"
    assert len(h.outcomes[0].worker_jobs) == 2


def test_if_takes_the_else_branch():
    h = run_flow(
        NS + "tasks:\n  - id: i\n    type: io.kestra.plugin.core.flow.If\n"
        '    condition: "{{ 1 == 2 }}"\n    then:\n'
        + ret("t", indent=6)
        + "    else:\n"
        + ret("e", indent=6)
    )
    assert order(h) == ["i", "e"]
    assert h.execution.state.current == "SUCCESS"


def test_switch_case_defaults_and_no_match():
    base = (
        NS + 'tasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.Switch\n    value: "{V}"\n'
        "    cases:\n      a:\n" + ret("ca", indent=8)
    )
    h = run_flow(base.replace("{V}", "a"))
    assert order(h) == ["s", "ca"] and h.outputs("s") == {"value": "a", "defaults": False}
    h = run_flow(base.replace("{V}", "z") + "    defaults:\n" + ret("d", indent=6))
    assert order(h) == ["s", "d"] and h.outputs("s")["defaults"] is True
    h = run_flow(base.replace("{V}", "z"))
    assert h.execution.state.current == "FAILED" and states(h)["s"] == "FAILED"


def test_foreach_values_and_outputs_by_value():
    h = run_flow(
        NS + "tasks:\n  - id: e\n    type: io.kestra.plugin.core.flow.ForEach\n"
        '    values: \'["a", 1, {"k": 2}]\'\n    tasks:\n'
        + ret("r", "{{ taskrun.value }}", indent=6)
        + ret("after", "{{ outputs.r.a.value }}")
    )
    assert h.execution.state.current == "SUCCESS"
    assert [t.value for t in h.task_runs("r")] == ["a", "1", '{"k":2}']
    assert h.outputs("after") == {"value": "a"}


def test_foreach_null_value_fails_with_kestras_message():
    h = run_flow(
        NS + "tasks:\n  - id: e\n    type: io.kestra.plugin.core.flow.ForEach\n"
        "    values: [1, null]\n    tasks:\n" + ret("r", indent=6)
    )
    assert h.execution.state.current == "FAILED"
    messages = [line.message for o in h.outcomes for line in o.logs]
    assert "Found '1' null values on Each, with values=[1, null]" in messages


def test_foreach_concurrency_limit_zero_starts_every_value():
    h = run_flow(
        NS + "tasks:\n  - id: e\n    type: io.kestra.plugin.core.flow.ForEach\n"
        "    values: [1, 2, 3]\n    concurrencyLimit: 0\n    tasks:\n"
        + ret("a", indent=6)
        + ret("b", indent=6)
    )
    assert len(h.outcomes[1].worker_jobs) == 3
    assert h.execution.state.current == "SUCCESS" and len(h.execution.task_run_list) == 7


def test_dag_respects_dependencies():
    h = run_flow(
        NS
        + """tasks:
  - id: d
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: b
          type: io.kestra.plugin.core.debug.Return
          format: x
        dependsOn: [a]
      - task:
          id: a
          type: io.kestra.plugin.core.debug.Return
          format: x
"""
    )
    assert order(h) == ["d", "a", "b"]
    assert h.execution.state.current == "SUCCESS"


def test_allow_failure_gives_warning_and_allow_warning_success():
    h = run_flow(
        NS + "tasks:\n  - id: af\n    type: io.kestra.plugin.core.flow.AllowFailure\n"
        "    tasks:\n" + fail("ko", indent=6) + ret("after")
    )
    assert states(h) == {"af": "WARNING", "ko": "FAILED", "after": "SUCCESS"}
    assert h.execution.state.current == "WARNING"
    h = run_flow(NS + "tasks:\n" + fail("ko") + "    allowFailure: true\n    allowWarning: true\n")
    assert h.execution.state.current == "SUCCESS"


def test_disabled_task_gets_no_task_run_and_run_if_false_is_skipped():
    h = run_flow(
        NS
        + "tasks:\n"
        + ret("a")
        + "    disabled: true\n"
        + ret("b")
        + '    runIf: "{{ 1 == 2 }}"\n'
        + ret("c")
    )
    assert states(h) == {"b": "SKIPPED", "c": "SUCCESS"}
    assert h.execution.state.current == "SUCCESS"


def test_flowable_errors_handle_the_failure_locally():
    h = run_flow(
        NS + "tasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.Sequential\n"
        "    tasks:\n"
        + fail("ko", indent=6)
        + "    errors:\n"
        + ret("local", indent=6)
        + "errors:\n"
        + ret("global")
    )
    assert order(h) == ["s", "ko", "local", "global"]
    assert h.execution.state.current == "FAILED"


def test_finally_runs_after_success_and_failure():
    h = run_flow(NS + "tasks:\n" + fail("ko") + "finally:\n" + ret("fin"))
    assert order(h) == ["ko", "fin"] and h.execution.state.current == "FAILED"
    h = run_flow(NS + "tasks:\n" + ret("a") + "finally:\n" + fail("fin"))
    assert h.execution.state.current == "FAILED"


def test_after_execution_runs_once_the_rest_is_done():
    h = run_flow(NS + "tasks:\n" + ret("a") + "afterExecution:\n" + ret("notify"))
    assert order(h) == ["a", "notify"] and h.execution.state.current == "SUCCESS"


def test_waitfor_loops_until_the_condition_holds():
    h = run_flow(
        NS + "tasks:\n  - id: w\n    type: io.kestra.plugin.core.flow.WaitFor\n"
        '    condition: "{{ outputs.w.iterationCount >= 3 }}"\n'
        "    checkFrequency:\n      interval: PT1S\n    tasks:\n" + ret("r", indent=6)
    )
    assert h.execution.state.current == "SUCCESS"
    assert [t.iteration for t in h.task_runs("r")] == [1, 2, 3]
