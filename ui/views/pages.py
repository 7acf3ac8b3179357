"""The other pages: dashboard, logs, triggers, workers, namespaces (KV store and files)."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from access.rules import rights_for
from executions.models import Execution, LogEntry, TaskRun
from executions.selectors import level_q
from flows import selectors as flow_selectors
from kestra_site import kv, namespace_files
from kestra_site.errors import DomainError, NotFound
from scheduler.models import Trigger
from ui import dashboard as charts
from ui.views.flows import namespace_tree
from workers import selectors as worker_selectors


def dashboard(request: HttpRequest) -> HttpResponse:
    scope = rights_for(request.user).q()
    per_day = charts.executions_per_day(scope=scope)
    states = sorted({s for counts in per_day.values() for s in counts})
    return render(
        request,
        "ui/dashboard.html",
        {
            "section": "dashboard",
            "totals": charts.totals(scope=scope),
            "per_day_svg": charts.stacked_bars(per_day),
            "legend": [(s, charts.COLOURS.get(s, charts.OTHER)) for s in states],
            "failures": charts.failures_by_flow(scope=scope),
            "duration_svg": charts.line(charts.duration_per_day(scope=scope)),
            "recent": Execution.objects.filter(scope).order_by("-created")[:10],
        },
    )


def log_list(request: HttpRequest) -> HttpResponse:
    get = request.GET
    values = {
        "namespace": get.get("namespace", "").strip(),
        "flow": get.get("flow", "").strip(),
        "level": get.get("level", "").strip().upper(),
        "q": get.get("q", "").strip(),
    }
    rows = LogEntry.objects.filter(rights_for(request.user).q())
    if values["namespace"]:
        rows = rows.filter(flow_selectors.namespace_q("namespace", values["namespace"]))
    if values["flow"]:
        rows = rows.filter(flow_id=values["flow"])
    if values["level"] in LogEntry.LEVELS:
        rows = rows.filter(level_q(values["level"]))
    if values["q"]:
        rows = rows.filter(Q(message__icontains=values["q"]) | Q(task_id__icontains=values["q"]))
    return render(
        request,
        "ui/logs.html",
        {
            "section": "logs",
            "logs": list(rows.order_by("-timestamp", "-id")[:300]),
            "values": values,
            "levels": LogEntry.LEVELS,
        },
    )


# ---- triggers ---------------------------------------------------------------------------------


def trigger_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = Trigger.objects.filter(rights_for(request.user).q()).order_by(
        "namespace", "flow_id", "trigger_id"
    )
    if q:
        rows = rows.filter(
            Q(namespace__icontains=q) | Q(flow_id__icontains=q) | Q(trigger_id__icontains=q)
        )
    rows = list(rows[:500])
    running = set(
        Execution.objects.filter(id__in=[r.execution_id for r in rows if r.execution_id])
        .exclude(state__in=["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED"])
        .values_list("id", flat=True)
    )
    for row in rows:
        row.is_locked = bool(row.execution_id) or getattr(row, "evaluating_since", None) is not None
        row.runs_now = row.execution_id in running
        row.is_disabled = row.disabled or getattr(row, "source_disabled", False)
        row.short_type = (row.type or "Schedule").rsplit(".", 1)[-1]
    return render(request, "ui/triggers.html", {"section": "triggers", "triggers": rows, "q": q})


def _backfill_body(request: HttpRequest) -> dict:
    body = {"start": request.POST.get("start", "").strip()}
    if request.POST.get("end", "").strip():
        body["end"] = request.POST["end"].strip()
    for name in ("start", "end"):
        value = body.get(name)
        if value and len(value) == 16:  # datetime-local without seconds
            body[name] = value + ":00Z"
    return body


def trigger_namespace(pk: int, **_) -> str | None:
    """The namespace a trigger page acts on (its permission check, see ui/urls.py)."""
    return Trigger.objects.filter(pk=pk).values_list("namespace", flat=True).first()


@require_POST
def trigger_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from scheduler import actions  # the triggers service (enable, disable, unlock, backfill)

    row = get_object_or_404(Trigger, pk=pk)
    ident = {"namespace": row.namespace, "flowId": row.flow_id, "triggerId": row.trigger_id}
    try:
        if action in ("enable", "disable"):
            actions.trigger_update({**ident, "disabled": action == "disable"})
            messages.success(request, f"Trigger {row.trigger_id} {action}d.")
        elif action == "unlock":
            actions.trigger_unlock(row.namespace, row.flow_id, row.trigger_id)
            messages.success(request, f"Trigger {row.trigger_id} unlocked.")
        elif action == "backfill":
            actions.trigger_update(
                {**ident, "disabled": row.disabled, "backfill": _backfill_body(request)}
            )
            messages.success(request, f"Backfill of {row.trigger_id} started.")
        else:
            raise Http404(f"Unknown action {action}")
    except DomainError as error:
        detail = "; ".join(
            f"{v.path}: {v.message}" if v.path else v.message for v in error.violations()
        )
        messages.error(request, f"{action.capitalize()} refused: {detail}")
    return redirect("ui:triggers")


# ---- workers ----------------------------------------------------------------------------------


def worker_list(request: HttpRequest) -> HttpResponse:
    workers = worker_selectors.workers_list(include_dead=request.GET.get("all") == "1")
    ids = {job.split(":", 1)[0] for row, _ in workers for job in row.running or []}
    # Jobs of executions the user may not read show only their opaque job id.
    readable = rights_for(request.user).q(field="execution__namespace")
    task_runs = {
        t.id: t for t in TaskRun.objects.filter(readable, id__in=ids).select_related("execution")
    }
    rows = []
    now = datetime.now(UTC)
    for worker, alive in workers:
        jobs = []
        for job in worker.running or []:
            task_run_id, _, attempt = job.partition(":")
            jobs.append({"job": job, "attempt": attempt, "task_run": task_runs.get(task_run_id)})
        rows.append(
            {
                "worker": worker,
                "alive": alive,
                "jobs": jobs,
                "seen": (now - worker.last_seen).total_seconds(),
            }
        )
    return render(
        request,
        "ui/workers.html",
        {"section": "workers", "workers": rows, "groups": worker_selectors.worker_groups()},
    )


# ---- namespaces -------------------------------------------------------------------------------


def namespace_list(request: HttpRequest) -> HttpResponse:
    names = rights_for(request.user).keep(flow_selectors.namespaces_distinct())
    counts = {}
    for name in names:
        counts[name] = flow_selectors.flows_active().filter(namespace=name).count()
    return render(
        request,
        "ui/namespaces/list.html",
        {
            "section": "namespaces",
            "tree": namespace_tree(names),
            "namespaces": [(n, counts[n]) for n in names],
        },
    )


def _kv_post(request: HttpRequest, namespace: str) -> None:
    store = kv.store(namespace)
    key = request.POST.get("key", "").strip()
    if request.POST.get("delete"):
        store.delete(key)
        messages.success(request, f"Key {key} deleted.")
        return
    kind = request.POST.get("type") or None
    try:
        store.put(key, kv.parse_text(request.POST.get("value", "")), kv_type=kind)
    except kv.KVError as error:
        messages.error(request, f"key {key!r}: {error}")
        return
    messages.success(request, f"Key {key} saved.")


def _file_post(request: HttpRequest, namespace: str) -> None:
    upload = request.FILES.get("file")
    folder = request.POST.get("folder", "").strip().strip("/")
    if request.POST.get("delete"):
        namespace_files.ns_file_delete(namespace, request.POST["delete"])
        messages.success(request, f"{request.POST['delete']} deleted.")
        return
    if upload is None:
        messages.error(request, "file: choose a file to upload")
        return
    path = f"{folder}/{upload.name}" if folder else upload.name
    namespace_files.ns_file_write(namespace, path, upload)
    messages.success(request, f"/{path} uploaded.")


def namespace_detail(request: HttpRequest, namespace: str) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "kv":
                _kv_post(request, namespace)
            else:
                _file_post(request, namespace)
        except DomainError as error:
            messages.error(request, f"{error.path or 'path'}: {error.message}")
        return redirect("ui:namespace", namespace=namespace)
    store = kv.store(namespace)
    entries = []
    for entry in store.entries():
        found = store.get(entry.key)
        entries.append(
            {
                "entry": entry,
                "type": found[0] if found else "",
                "value": found[1] if found else None,
            }
        )
    path = request.GET.get("path", "").strip("/")
    try:
        listing = namespace_files.ns_directory_list(namespace, path or None)
    except DomainError:
        listing = []
    for item in listing:
        item["path"] = f"{path}/{item['fileName']}" if path else item["fileName"]
    flows = flow_selectors.flows_active().filter(namespace=namespace)
    return render(
        request,
        "ui/namespaces/detail.html",
        {
            "section": "namespaces",
            "namespace": namespace,
            "entries": entries,
            "files": listing,
            "path": path,
            "parent": path.rsplit("/", 1)[0] if "/" in path else "",
            "flows": flows,
            "kv_types": list(kv.TYPES),
        },
    )


def namespace_file(request: HttpRequest, namespace: str) -> HttpResponse:
    path = request.GET.get("path", "")
    try:
        handle = namespace_files.ns_file_open(namespace, path)
    except NotFound as error:
        raise Http404(str(error)) from error
    except DomainError as error:
        raise Http404(error.message) from error
    name = path.rsplit("/", 1)[-1]
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        handle, as_attachment=request.GET.get("download") == "1", filename=name, content_type=kind
    )
