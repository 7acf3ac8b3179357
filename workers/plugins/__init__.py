"""Runnable task implementations keyed by Kestra type names, and how a worker runs one."""

# Importing the families registers their runnables.
from workers.plugins import (  # noqa: F401
    core,
    foreach_item,
    http,
    kv,
    namespace,
    polling,
    scripts,
    state,
    storage,
    working_directory,
)
from workers.plugins.base import (
    LEVELS,
    Renderer,
    RunContext,
    Runnable,
    RunResult,
    TaskFailure,
    get_runnable,
    register,
    registered_types,
    run_task,
    runnable,
)

__all__ = [
    "LEVELS",
    "Renderer",
    "RunContext",
    "RunResult",
    "Runnable",
    "TaskFailure",
    "get_runnable",
    "register",
    "registered_types",
    "run_task",
    "runnable",
]
