"""The core runnable tasks: log.Log, debug.Return, debug.Echo, execution.Fail, flow.Sleep,
output.OutputValues."""

from __future__ import annotations

from typing import Any

from executions.templating.values import java_duration
from flows.spec.durations import parse_duration
from workers.plugins.base import LEVELS, RunContext, TaskFailure, runnable

# Kestra's TruthUtils: these renderings are false, any other text is true.
FALSE_TEXTS = ("false", "0", "-0", "")


def _level(ctx: RunContext) -> str:
    level = str(ctx.property("level", "INFO")).upper()
    if level not in LEVELS:
        raise TaskFailure(f"Invalid log level '{level}'")
    return level


@runnable("io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log")
def log(ctx: RunContext) -> None:
    """Log a message, or each message of a list, at `level` (INFO)."""
    level = _level(ctx)
    message = ctx.task.get("message")
    if message is None:
        raise TaskFailure("Log needs a `message`")
    if isinstance(message, str):
        messages = [message]
    elif isinstance(message, list):
        messages = message
    else:
        raise TaskFailure(f"Invalid message type '{type(message).__name__}'")
    for item in messages:
        ctx.log(level, ctx.render_string(item) or "")


@runnable("io.kestra.plugin.core.debug.Return", "io.kestra.core.tasks.debugs.Return")
def return_(ctx: RunContext) -> dict[str, Any]:
    """Render `format` into the `value` output (and log it at DEBUG)."""
    value = ctx.render_string(ctx.task.get("format"))
    if value is not None:
        ctx.log("DEBUG", value)
    return {"value": value}


@runnable("io.kestra.plugin.core.debug.Echo", "io.kestra.core.tasks.debugs.Echo")
def echo(ctx: RunContext) -> None:
    """Log `format` at `level` (INFO); the deprecated sibling of log.Log."""
    level = _level(ctx)
    message = ctx.task.get("format")
    if message is None or not str(message).strip():
        raise TaskFailure("Echo needs a non-blank `format`")
    ctx.log(level, ctx.render_string(message) or "")


@runnable("io.kestra.plugin.core.execution.Fail", "io.kestra.core.tasks.executions.Fail")
def fail(ctx: RunContext) -> None:
    """Fail with `errorMessage`, always or only when `condition` renders truthy."""
    condition = ctx.task.get("condition")
    if condition is not None and ctx.render_string(condition) in FALSE_TEXTS:
        return
    raise TaskFailure(ctx.render_string(ctx.property("errorMessage", "Task failure")))


@runnable("io.kestra.plugin.core.flow.Sleep")
def sleep(ctx: RunContext) -> None:
    """Wait for the ISO-8601 `duration`."""
    raw = ctx.task.get("duration")
    text = ctx.render_string(raw) if isinstance(raw, str) and "{{" in raw else raw
    try:
        duration = parse_duration(text)  # type: ignore[arg-type]
    except ValueError as error:
        raise TaskFailure(f"Invalid `duration`: {error}") from None
    ctx.log("INFO", f"Waiting for {java_duration(duration)}")
    ctx.sleep(max(duration.total_seconds(), 0.0))


@runnable("io.kestra.plugin.core.output.OutputValues")
def output_values(ctx: RunContext) -> dict[str, Any]:
    """Render the `values` map (any shape) into the `values` output."""
    return {"values": ctx.render(ctx.task.get("values") or {})}
