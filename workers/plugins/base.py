"""What a runnable task gets and returns, the registry of implementations, and run_task."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from executions.templating.errors import TemplateError
from workers.plugins.cancel import Cancel

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
STATES = ("SUCCESS", "WARNING", "FAILED", "KILLED")


class Renderer(Protocol):
    """The part of executions.templating.Renderer the runnables use."""

    def render(self, template: str, context: dict[str, Any]) -> str: ...

    def render_value(self, value: Any, context: dict[str, Any]) -> Any: ...

    def render_typed(self, template: str, context: dict[str, Any]) -> Any: ...

    def is_true(self, template: str, context: dict[str, Any]) -> bool: ...


@dataclass
class RunContext:
    """One attempt of one task run, as a worker hands it to an implementation.

    `task` is the task's Kestra JSON (camelCase, plugin defaults applied) before rendering;
    `log(level, message)` is already masking secrets (the worker's job); `storage` is internal
    storage (workers.plugins.files.Storage) and `cancel` is set when the attempt must stop.
    `workdir` is the shared directory of an enclosing WorkingDirectory (None: use a fresh one).
    """

    task: dict[str, Any]
    variables: dict[str, Any]
    renderer: Renderer
    log: Callable[[str, str], None]
    attempt: int = 1
    sleep: Callable[[float], None] = time.sleep
    storage: Any = None
    cancel: Cancel = dataclasses.field(default_factory=Cancel)
    workdir: Any = None

    def render(self, value: Any) -> Any:
        """Render a property of any shape (strings, lists, maps) with the run variables."""
        return self.renderer.render_value(value, self.variables)

    def render_string(self, value: Any) -> str | None:
        """Render a string property; None stays None, other scalars render as their text."""
        if value is None:
            return None
        return self.renderer.render(value if isinstance(value, str) else str(value), self.variables)

    def property(self, name: str, default: Any = None) -> Any:
        """A property of the task as written (not rendered), or `default` when absent/null."""
        value = self.task.get(name)
        return default if value is None else value


@dataclass
class RunResult:
    """How the attempt ended: a terminal state, the task's outputs, the error when it failed."""

    state: str
    outputs: dict[str, Any] | None = None
    error: str | None = None
    # A WorkingDirectory's job: the report of each child it ran (working_directory.py).
    children: list[dict[str, Any]] | None = None


class TaskFailure(Exception):
    """Raised by an implementation to fail its task run with this message (logged at ERROR)."""


# An implementation returns its outputs (or None), or a RunResult to choose the state itself.
Runnable = Callable[[RunContext], "dict[str, Any] | RunResult | None"]

_REGISTRY: dict[str, Runnable] = {}


def register(type_names: str | Iterable[str], implementation: Runnable) -> Runnable:
    """Register a runnable under Kestra type names (canonical first, then legacy aliases)."""
    names = [type_names] if isinstance(type_names, str) else list(type_names)
    for name in names:
        _REGISTRY[name] = implementation
    return implementation


def runnable(*type_names: str) -> Callable[[Runnable], Runnable]:
    """Decorator form of register()."""

    def decorate(implementation: Runnable) -> Runnable:
        return register(type_names, implementation)

    return decorate


def get_runnable(type_name: str) -> Runnable | None:
    return _REGISTRY.get(type_name)


def registered_types() -> list[str]:
    return sorted(_REGISTRY)


def level_filter(log: Callable[[str, str], None], minimum: Any) -> Callable[[str, str], None]:
    """Drop lines below the task's `logLevel` (Kestra's default lets TRACE through)."""
    floor = LEVELS.index(str(minimum).upper()) if str(minimum).upper() in LEVELS else 0

    def filtered(level: str, message: str) -> None:
        rank = LEVELS.index(level) if level in LEVELS else len(LEVELS) - 1
        if rank >= floor:
            log(level, message)

    return filtered


def run_task(ctx: RunContext) -> RunResult:
    """Run the implementation registered for `ctx.task["type"]`; never raises for task errors.

    A failure (TaskFailure, a template error, any exception of the implementation) gives a
    FAILED result whose error is also logged at ERROR.
    """
    ctx = dataclasses.replace(ctx, log=level_filter(ctx.log, ctx.task.get("logLevel")))
    type_name = str(ctx.task.get("type"))
    implementation = _REGISTRY.get(type_name)
    if implementation is None:
        return _failed(ctx, f"No runnable task implementation for type `{type_name}`")
    try:
        result = implementation(ctx)
    except (TaskFailure, TemplateError) as error:
        return _failed(ctx, str(error))
    except Exception as error:  # a plugin bug fails its task run, never the worker
        return _failed(ctx, f"{type(error).__name__}: {error}")
    if isinstance(result, RunResult):
        if result.state not in STATES:
            return _failed(ctx, f"Invalid task run state `{result.state}`")
        if result.state == "FAILED" and result.error:
            ctx.log("ERROR", result.error)
        return result
    return RunResult("SUCCESS", result)


def _failed(ctx: RunContext, message: str) -> RunResult:
    ctx.log("ERROR", message)
    return RunResult("FAILED", None, message)
