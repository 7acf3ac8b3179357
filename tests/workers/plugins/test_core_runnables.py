"""The core runnable tasks, run through run_task with a recording log."""

from __future__ import annotations

from typing import Any

import pytest

from workers.plugins import RunContext, RunResult, TaskFailure, register, run_task

LOG = "io.kestra.plugin.core.log.Log"
FAIL = "io.kestra.plugin.core.execution.Fail"


def test_log_levels_and_rendering(make_ctx, logs) -> None:
    # logs.yaml: t1 TRACE, t2 WARN, t3 ERROR, t4 filtered by logLevel, t5 a list.
    tasks = [
        {"id": "t1", "type": LOG, "message": "first {{task.id}}", "level": "TRACE"},
        {"id": "t2", "type": LOG, "message": "second {{task.type}}", "level": "WARN"},
        {"id": "t3", "type": LOG, "message": "third {{flow.id}}", "level": "ERROR"},
        {
            "id": "t4",
            "type": LOG,
            "message": "fourth {{task.id}}",
            "level": "TRACE",
            "logLevel": "INFO",
        },
        {"id": "t5", "type": LOG, "message": ["five first", "five second"]},
    ]
    for task in tasks:
        assert run_task(make_ctx(task)) == RunResult("SUCCESS", None)
    assert logs.lines == [
        ("TRACE", "first t1"),
        ("WARN", f"second {LOG}"),
        ("ERROR", "third logs"),
        ("INFO", "five first"),
        ("INFO", "five second"),
    ]


def test_legacy_alias_runs_the_same_task(make_ctx, logs) -> None:
    result = run_task(
        make_ctx({"id": "l", "type": "io.kestra.core.tasks.log.Log", "message": "hi"})
    )
    assert result.state == "SUCCESS"
    assert logs.lines == [("INFO", "hi")]


def test_log_refuses_bad_message_and_level(make_ctx, logs) -> None:
    assert run_task(make_ctx({"id": "l", "type": LOG, "message": {"a": 1}})).state == "FAILED"
    result = run_task(make_ctx({"id": "l", "type": LOG, "message": "x", "level": "LOUD"}))
    assert result.error == "Invalid log level 'LOUD'"
    assert logs.lines[-1] == ("ERROR", "Invalid log level 'LOUD'")


def test_template_error_fails_the_task_and_is_logged(make_ctx, logs) -> None:
    result = run_task(make_ctx({"id": "t1", "type": LOG, "message": "{{ missingVar }}"}))
    assert result.state == "FAILED"
    assert "missingVar" in result.error
    assert logs.lines == [("ERROR", result.error)]


def test_return_outputs_the_rendered_format(make_ctx, logs) -> None:
    task = {"id": "r", "type": "io.kestra.plugin.core.debug.Return", "format": "{{ inputs.s }}!"}
    result = run_task(make_ctx(task, {"inputs": {"s": "hey"}}))
    assert result == RunResult("SUCCESS", {"value": "hey!"})
    assert logs.lines == [("DEBUG", "hey!")]
    legacy = {"id": "r", "type": "io.kestra.core.tasks.debugs.Return"}
    assert run_task(make_ctx(legacy)).outputs == {"value": None}


def test_return_debug_line_respects_log_level(make_ctx, logs) -> None:
    task = {
        "id": "r",
        "type": "io.kestra.plugin.core.debug.Return",
        "format": "x",
        "logLevel": "INFO",
    }
    assert run_task(make_ctx(task)).outputs == {"value": "x"}
    assert logs.lines == []


def test_echo_logs_at_its_level(make_ctx, logs) -> None:
    task = {
        "id": "e",
        "type": "io.kestra.plugin.core.debug.Echo",
        "format": "I'm {{task.id}}",
        "level": "WARN",
    }
    assert run_task(make_ctx(task)).state == "SUCCESS"
    assert logs.lines == [("WARN", "I'm e")]
    assert (
        run_task(
            make_ctx({"id": "e", "type": "io.kestra.core.tasks.debugs.Echo", "format": " "})
        ).state
        == "FAILED"
    )


@pytest.mark.parametrize(("param", "state"), [("fail", "FAILED"), ("success", "SUCCESS")])
def test_fail_on_condition(make_ctx, logs, param: str, state: str) -> None:
    # fail-on-condition.yaml
    task = {"id": "fail", "type": FAIL, "condition": '{{inputs.param == "fail"}}'}
    result = run_task(make_ctx(task, {"inputs": {"param": param}}))
    assert result.state == state
    if state == "FAILED":
        assert result.error == "Task failure"
        assert logs.lines == [("ERROR", "Task failure")]
    else:
        assert logs.lines == []


@pytest.mark.parametrize("rendered", ["0", "-0", "", "false"])
def test_fail_condition_falsy_texts(make_ctx, rendered: str) -> None:
    task = {"id": "f", "type": FAIL, "condition": "{{ v }}"}
    assert run_task(make_ctx(task, {"v": rendered})).state == "SUCCESS"


def test_fail_without_condition_renders_its_message(make_ctx, logs) -> None:
    task = {
        "id": "f",
        "type": "io.kestra.core.tasks.executions.Fail",
        "errorMessage": "boom in {{ task.id }}",
    }
    result = run_task(make_ctx(task))
    assert result == RunResult("FAILED", None, "boom in f")
    assert logs.lines == [("ERROR", "boom in f")]


def test_sleep_uses_the_context_clock(make_ctx, logs) -> None:
    slept: list[float] = []
    task = {"id": "s", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT1M30.5S"}
    assert run_task(make_ctx(task, sleep=slept.append)).state == "SUCCESS"
    assert slept == [90.5]
    assert logs.lines == [("INFO", "Waiting for PT1M30.5S")]
    bad = {"id": "s", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "soon"}
    assert run_task(make_ctx(bad, sleep=slept.append)).state == "FAILED"
    assert slept == [90.5]


def test_output_values_renders_the_map(make_ctx) -> None:
    # output-values.yml
    task = {
        "id": "return",
        "type": "io.kestra.plugin.core.output.OutputValues",
        "values": {
            "output1": "xyz",
            "output2": "abc",
            "taskInfo": "{{ task.id }} > {{ d }}",
            "nested": {"list": [1, "{{ d }}"]},
        },
    }
    result = run_task(make_ctx(task, {"d": "2024"}))
    assert result.outputs == {
        "values": {
            "output1": "xyz",
            "output2": "abc",
            "taskInfo": "return > 2024",
            "nested": {"list": [1, "2024"]},
        }
    }


def test_unknown_type_fails_clearly(make_ctx, logs) -> None:
    result = run_task(make_ctx({"id": "x", "type": "io.kestra.plugin.nope.Missing"}))
    assert result.state == "FAILED"
    assert (
        result.error == "No runnable task implementation for type `io.kestra.plugin.nope.Missing`"
    )
    assert logs.lines == [("ERROR", result.error)]


def test_registered_implementations_and_plugin_bugs(make_ctx, logs) -> None:
    def warn(ctx: RunContext) -> RunResult:
        ctx.log("INFO", f"attempt {ctx.attempt}")
        return RunResult("WARNING", {"n": ctx.render("{{ n }}")})

    def crash(ctx: RunContext) -> Any:
        raise KeyError("oops")

    def refuse(ctx: RunContext) -> Any:
        raise TaskFailure("nope")

    register(["test.Warn", "test.legacy.Warn"], warn)
    register("test.Crash", crash)
    register("test.Refuse", refuse)
    assert run_task(make_ctx({"id": "w", "type": "test.legacy.Warn"}, {"n": "1"}, attempt=2)) == (
        RunResult("WARNING", {"n": "1"})
    )
    assert run_task(make_ctx({"id": "c", "type": "test.Crash"})).error == "KeyError: 'oops'"
    assert run_task(make_ctx({"id": "r", "type": "test.Refuse"})).error == "nope"
    assert logs.lines == [("INFO", "attempt 2"), ("ERROR", "KeyError: 'oops'"), ("ERROR", "nope")]
