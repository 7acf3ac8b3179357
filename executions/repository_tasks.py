"""Core tasks that read or change the repository, run on the executor side like log.Fetch:
execution.Count, execution.PurgeExecutions, log.PurgeLogs and trigger.Toggle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workers.plugins import RunContext, TaskFailure, register

CORE = "io.kestra.plugin.core."
LEGACY = "io.kestra.core.tasks."
COUNT = (CORE + "execution.Count", CORE + "execution.Counts", LEGACY + "executions.Counts")
PURGE_EXECUTIONS = (
    CORE + "execution.PurgeExecutions",
    CORE + "storage.Purge",
    LEGACY + "storages.Purge",
)
PURGE_LOGS = (CORE + "log.PurgeLogs",)
TOGGLE = (CORE + "trigger.Toggle", LEGACY + "trigger.Toggle")
TYPES = COUNT + PURGE_EXECUTIONS + PURGE_LOGS + TOGGLE


def _date(ctx: RunContext, name: str, *, required: bool = False) -> datetime | None:
    raw = ctx.render_string(ctx.property(name))
    if not raw:
        if required:
            raise TaskFailure(f"'{name}' is required")
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise TaskFailure(f"'{name}' must be an ISO 8601 date, got '{raw}'") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _states(ctx: RunContext) -> list[str] | None:
    states = ctx.property("states")
    return [str(s) for s in states] if states else None


def count(ctx: RunContext) -> dict[str, Any]:
    """execution.Count: executions per flow (or namespace) started in the range, kept when
    `expression` (rendered with `count`) is true; outputs `results` and `total`."""
    from executions import purge

    flows, namespaces = ctx.property("flows"), ctx.property("namespaces")
    if flows is None and namespaces is None:
        raise TaskFailure("You must provide a list of flows or namespaces")
    pairs = [
        (str(ctx.render_string(f.get("namespace"))), str(ctx.render_string(f.get("flowId"))))
        for f in flows or []
    ]
    counts = purge.execution_counts(
        start_date=_date(ctx, "startDate", required=True),  # type: ignore[arg-type]
        end_date=_date(ctx, "endDate") or datetime.now(UTC),
        flows=pairs if flows is not None else None,
        namespaces=[str(ctx.render_string(n)) for n in namespaces]
        if namespaces is not None
        else None,
        states=_states(ctx),
    )
    expression = str(ctx.property("expression", "true"))
    results = [
        {"namespace": namespace, "flowId": flow_id, "count": n}
        for namespace, flow_id, n in counts
        if ctx.renderer.render(expression, {**ctx.variables, "count": n}).strip() == "true"
    ]
    return {"results": results, "total": sum(r["count"] for r in results)}


def purge_executions(ctx: RunContext) -> dict[str, Any]:
    """execution.PurgeExecutions: ended executions, their logs and files, in a date range."""
    from executions import purge

    result = purge.executions_purge(
        end_date=_date(ctx, "endDate", required=True),  # type: ignore[arg-type]
        start_date=_date(ctx, "startDate"),
        namespace=ctx.render_string(ctx.property("namespace")),
        flow_id=ctx.render_string(ctx.property("flowId")),
        states=_states(ctx),
        purge_execution=bool(ctx.property("purgeExecution", True)),
        purge_log=bool(ctx.property("purgeLog", True)),
        purge_storage=bool(ctx.property("purgeStorage", True)),
        exclude=str(ctx.variables["execution"]["id"]),
    )
    return {
        "executionsCount": result.executions_count,
        "logsCount": result.logs_count,
        "storagesCount": result.storages_count,
        "metricsCount": result.metrics_count,
    }


def purge_logs(ctx: RunContext) -> dict[str, Any]:
    """log.PurgeLogs: log lines of a namespace / flow / levels in a date range; `count`."""
    from executions import purge

    levels = ctx.property("logLevels")
    deleted = purge.logs_purge(
        end_date=_date(ctx, "endDate", required=True),  # type: ignore[arg-type]
        start_date=_date(ctx, "startDate"),
        namespace=ctx.render_string(ctx.property("namespace")),
        flow_id=ctx.render_string(ctx.property("flowId")),
        levels=[str(level) for level in levels] if levels else None,
    )
    return {"count": deleted}


def toggle(ctx: RunContext) -> None:
    """trigger.Toggle: enable or disable a trigger of a flow (this flow by default), as Kestra
    does: the trigger's state (`scheduler.Trigger.disabled`) changes, the flow's source and
    revision do not. A trigger with no state (a Flow or Webhook trigger) is not found."""
    from flows import selectors as flow_selectors
    from kestra_site.errors import DomainError
    from scheduler import actions

    flow = ctx.variables.get("flow") or {}
    namespace = ctx.render_string(ctx.property("namespace")) or str(flow.get("namespace"))
    flow_id = ctx.render_string(ctx.property("flowId")) or str(flow.get("id"))
    trigger = ctx.render_string(ctx.property("trigger"))
    if not trigger:
        raise TaskFailure("'trigger' is required")
    enabled = ctx.render(ctx.property("enabled", False))
    enabled = enabled if isinstance(enabled, bool) else str(enabled).lower() == "true"
    execution_id = (ctx.variables.get("execution") or {}).get("id", "")
    try:
        flow_selectors.flow_get(namespace, flow_id)
    except DomainError:
        raise TaskFailure(
            f"Unable to find flow {namespace}.{flow_id}. Make sure the flow exists and the "
            "current execution is authorized to access it."
        ) from None
    try:
        actions.trigger_set_disabled(
            namespace,
            flow_id,
            trigger,
            disabled=not enabled,
            reason=f"trigger.Toggle in execution {execution_id}",
        )
    except DomainError as error:
        raise TaskFailure(str(error)) from None
    ctx.log("INFO", f"Trigger {trigger} of {namespace}.{flow_id} {'en' if enabled else 'dis'}abled")


register(COUNT, count)
register(PURGE_EXECUTIONS, purge_executions)
register(PURGE_LOGS, purge_logs)
register(TOGGLE, toggle)
