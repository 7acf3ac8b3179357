"""Kestra's core task, trigger and condition types; `register` is the `core` plugin entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.spec.registry import TypeRegistry


def core_types() -> tuple[type[Any], ...]:
    """Every core type class (imported lazily: the models import the registry module)."""
    from flows.spec.core import (
        conditions,
        debug,
        execution,
        flow,
        http,
        kv,
        kv_trigger,
        log,
        namespace,
        output,
        scripts,
        state,
        storage,
        templating,
        triggers,
    )

    tasks: list[type[Any]] = [
        debug.Return,
        debug.Echo,
        log.Log,
        log.Fetch,
        log.PurgeLogs,
        execution.Fail,
        execution.Exit,
        execution.Labels,
        execution.Count,
        execution.Resume,
        execution.PurgeExecutions,
        execution.SetVariables,
        execution.UnsetVariables,
        output.OutputValues,
        *flow.TYPES,
        state.Get,
        state.Set,
        state.Delete,
        kv.Set,
        kv.Get,
        kv.GetKeys,
        kv.Delete,
        storage.Write,
        storage.Concat,
        storage.Size,
        storage.Delete,
        storage.Split,
        storage.Reverse,
        storage.PurgeCurrentExecutionFiles,
        storage.LocalFiles,
        storage.DeduplicateItems,
        storage.FilterItems,
        namespace.UploadFiles,
        namespace.DownloadFiles,
        namespace.DeleteFiles,
        templating.TemplatedTask,
        *scripts.TYPES,
    ]
    return (*tasks, *http.TYPES, *kv_trigger.TYPES, *triggers.TYPES, *conditions.TYPES)


def register(registry: TypeRegistry) -> None:
    """Register every core type (idempotent)."""
    for cls in core_types():
        registry.register(cls)
