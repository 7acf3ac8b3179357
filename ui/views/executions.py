"""Execution pages: the self-refreshing list, one execution (Gantt, graph, logs, outputs,
inputs, labels) and its actions, each one call to the execution services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_POST

from access.rules import rights_for
from executions import executor, files, selectors, services
from executions.models import Execution, LogEntry
from executions.states import State
from flows import selectors as flow_selectors
from kestra_site.errors import DomainError, InvalidInput, NotFound
from ui import graph, insight

PAGE_SIZE = 50
STATES = [s.value for s in State]


def _moment(value: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            return None
        parsed = datetime.combine(day, datetime.min.time()) + (
            timedelta(days=1) if end else timedelta()
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _filtered(request: HttpRequest):
    """The list's filters from the query string, applied to the executions."""
    get = request.GET
    rows = Execution.objects.filter(rights_for(request.user).q())
    values = {
        "namespace": get.get("namespace", "").strip(),
        "flow": get.get("flow", "").strip(),
        "states": [s for s in get.getlist("state") if s in STATES],
        "labels": get.get("labels", "").strip(),
        "start": get.get("start", "").strip(),
        "end": get.get("end", "").strip(),
        "q": get.get("q", "").strip(),
    }
    if values["namespace"]:
        rows = rows.filter(flow_selectors.namespace_q("namespace", values["namespace"]))
    if values["flow"]:
        rows = rows.filter(flow_id=values["flow"])
    if values["states"]:
        rows = rows.filter(state__in=values["states"])
    if values["q"]:
        rows = rows.filter(Q(id__icontains=values["q"]) | Q(flow_id__icontains=values["q"]))
    start, end = _moment(values["start"]), _moment(values["end"], end=True)
    if start:
        rows = rows.filter(created__gte=start)
    if end:
        rows = rows.filter(created__lt=end)
    wanted = {}
    for item in values["labels"].replace(",", " ").split():
        key, _, value = item.partition(":")
        if key:
            wanted[key] = value
    rows = rows.order_by("-created")
    rows = selectors.with_labels(rows, wanted)
    return rows, values


def _duration(row: Execution) -> str:
    if row.start_date is None:
        return ""
    end = row.end_date or datetime.now(UTC)
    seconds = (end - row.start_date).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def execution_list(request: HttpRequest) -> HttpResponse:
    rows, values = _filtered(request)
    raw_page = request.GET.get("page", "")
    page = max(int(raw_page), 1) if raw_page.isdigit() else 1
    start = (page - 1) * PAGE_SIZE
    chunk = list(rows[start : start + PAGE_SIZE + 1])
    more = len(chunk) > PAGE_SIZE
    chunk = chunk[:PAGE_SIZE]
    for row in chunk:
        row.duration = _duration(row)
        row.user_labels = [
            lb for lb in row.labels or [] if not str(lb.get("key")).startswith("system.")
        ]
    context = {
        "section": "executions",
        "executions": chunk,
        "values": values,
        "states": STATES,
        "page": page,
        "more": more,
        "query": request.GET.urlencode(),
    }
    if request.GET.get("partial"):
        return render(request, "ui/executions/_rows.html", context)
    return render(request, "ui/executions/list.html", context)


def _get(execution_id: str) -> Execution:
    try:
        return selectors.execution_get(execution_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def _file_uris(value: Any, found: list[str]) -> list[str]:
    if isinstance(value, str) and value.startswith("kestra:///"):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _file_uris(item, found)
    elif isinstance(value, list):
        for item in value:
            _file_uris(item, found)
    return found


def _detail_context(row: Execution) -> dict:
    task_runs = selectors.task_runs_of(row)
    try:
        plan = executor.flow_plan(row.namespace, row.flow_id, row.flow_revision or 1)
    except DomainError:
        plan = None
    states = {}
    for task_run in task_runs:
        states[task_run.task_id] = task_run.state
    state = State(row.state)
    paused = [t for t in task_runs if t.state == State.PAUSED.value]
    resume_inputs = []
    if paused and plan is not None and paused[0].task_id in plan.nodes:
        resume_inputs = plan.nodes[paused[0].task_id].spec.get("onResume") or []
    outputs = []
    for task_run in task_runs:
        if task_run.outputs:
            outputs.append((task_run, task_run.outputs, _file_uris(task_run.outputs, [])))
    return {
        "section": "executions",
        "execution": row,
        "state": state,
        "terminal": state.is_terminal,
        "task_runs": task_runs,
        "gantt": insight.gantt(row, task_runs),
        "reasons": [] if state.is_terminal else insight.execution_reasons(row, task_runs, plan),
        "svg": graph.flow_svg(plan, states) if plan is not None else None,
        "outputs": outputs,
        "flow_outputs": row.outputs,
        "flow_output_files": _file_uris(row.outputs, []),
        "input_files": _file_uris(row.inputs, []),
        "labels": row.labels or [],
        "user_labels": "\n".join(
            f"{lb['key']}:{lb['value']}"
            for lb in row.labels or []
            if not str(lb.get("key")).startswith("system.")
        ),
        "task_ids": sorted({t.task_id for t in task_runs}),
        "resume_inputs": resume_inputs,
        "duration": _duration(row),
        "can_kill": not state.is_terminal,
        "can_pause": state is State.RUNNING,
        "can_resume": state is State.PAUSED,
        "can_restart": state in (State.FAILED, State.KILLED, State.WARNING),
        "log_levels": LogEntry.LEVELS,
    }


def execution_detail(request: HttpRequest, execution_id: str) -> HttpResponse:
    row = _get(execution_id)
    context = _detail_context(row)
    if request.GET.get("partial"):
        return render(request, "ui/executions/_live.html", context)
    return render(request, "ui/executions/detail.html", context)


def execution_kestra_url(request, tenant: str, namespace: str, flow_id: str, execution_id: str):
    return redirect("ui:execution", execution_id=execution_id)


def _resume_raw(request: HttpRequest) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key in request.POST:
        if key.startswith("input_"):
            values = request.POST.getlist(key)
            raw[key.removeprefix("input_")] = values if len(values) > 1 else values[0]
    for key, upload in request.FILES.items():
        if key.startswith("input_"):
            raw[key.removeprefix("input_")] = upload
    return raw


@require_POST
def execution_action(request: HttpRequest, execution_id: str, action: str) -> HttpResponse:
    _get(execution_id)
    target = execution_id
    try:
        if action == "kill":
            services.execution_kill(execution_id)
            messages.success(request, "Kill requested.")
        elif action == "pause":
            services.execution_pause(execution_id)
            messages.success(request, "Execution paused.")
        elif action == "resume":
            services.execution_resume_typed(execution_id, _resume_raw(request))
            messages.success(request, "Execution resumed.")
        elif action == "restart":
            services.execution_restart(execution_id)
            messages.success(request, "Execution restarted.")
        elif action == "replay":
            new = services.execution_replay(
                execution_id, task_run_id=request.POST.get("taskRunId") or None
            )
            target = new.id
            messages.success(request, f"Replayed as execution {new.id}.")
        elif action == "labels":
            lines = request.POST.get("labels", "").splitlines()
            labels = []
            for line in (item.strip() for item in lines):
                key, sep, value = line.partition(":")
                if line and (not sep or not key.strip()):
                    raise InvalidInput(f"write key:value, got {line!r}", path="labels")
                if line:
                    labels.append({"key": key.strip(), "value": value.strip()})
            services.execution_set_labels(execution_id, labels)
            messages.success(request, "Labels saved.")
        else:
            raise Http404(f"Unknown action {action}")
    except DomainError as error:
        detail = "; ".join(
            f"{v.path}: {v.message}" if v.path else v.message for v in error.violations()
        )
        messages.error(request, f"{action.capitalize()} refused: {detail}")
    return redirect("ui:execution", execution_id=target)


def execution_preview(request: HttpRequest, execution_id: str) -> HttpResponse:
    """A file of the execution, previewed (text, list, image) with a download link."""
    uri = request.GET.get("path", "")
    try:
        row, path = files.execution_file(execution_id, uri)
        body = files.preview(path, None, None)
    except NotFound as error:
        raise Http404(str(error)) from error
    except DomainError as error:
        return render(
            request,
            "ui/executions/preview.html",
            {
                "section": "executions",
                "error": error.message,
                "uri": uri,
                "execution_id": execution_id,
            },
            status=422,
        )
    return render(
        request,
        "ui/executions/preview.html",
        {"section": "executions", "execution_id": row.id, "uri": uri, "preview": body},
    )
