"""Flow pages: the list with its namespace tree, the editor, revisions with diffs, the run form."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from access.rules import WRITE, rights_for
from executions import engine, services
from flows import selectors, spec
from flows import services as flow_services
from flows.spec.errors import FlowSpecError
from kestra_site.errors import DomainError, NotFound
from ui import graph
from ui.forms import ExecuteForm

NEW_FLOW = """id: hello
namespace: company.team

inputs:
  - id: name
    type: STRING
    defaults: world

tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
"""


def _flow_or_404(namespace: str, flow_id: str):
    try:
        return selectors.flow_get(namespace, flow_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def namespace_tree(names: list[str]) -> list[dict]:
    """Nested {name, full, children} nodes of dotted namespaces, parents made up as needed."""
    root: dict = {}
    for name in names:
        node = root
        for part in name.split("."):
            node = node.setdefault(part, {})

    def build(level: dict, prefix: str) -> list[dict]:
        return [
            {"name": key, "full": prefix + key, "children": build(child, prefix + key + ".")}
            for key, child in sorted(level.items())
        ]

    return build(root, "")


def _has_labels(labels: list[dict], wanted: dict[str, str]) -> bool:
    present = {str(item.get("key")): str(item.get("value")) for item in labels or []}
    return all(present.get(key) == value for key, value in wanted.items())


def _parse_labels(text: str) -> dict[str, str]:
    wanted = {}
    for item in text.replace(",", " ").split():
        key, _, value = item.partition(":")
        if key:
            wanted[key] = value
    return wanted


def flow_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    namespace = request.GET.get("namespace", "").strip()
    labels = request.GET.get("labels", "").strip()
    rights = rights_for(request.user)
    flows = selectors.flows_active().filter(rights.q())
    if namespace:
        flows = flows.filter(selectors.namespace_q("namespace", namespace))
    if q:
        flows = flows.filter(
            Q(flow_id__icontains=q) | Q(namespace__icontains=q) | Q(description__icontains=q)
        )
    rows = list(flows.order_by("namespace", "flow_id")[:500])
    if labels:
        wanted = _parse_labels(labels)
        rows = [f for f in rows if _has_labels(f.labels, wanted)]
    tree = namespace_tree(rights.keep(selectors.namespaces_distinct()))
    return render(
        request,
        "ui/flows/list.html",
        {
            "section": "flows",
            "flows": rows,
            "tree": tree,
            "q": q,
            "namespace": namespace,
            "labels": labels,
        },
    )


def _plan_of_source(source: str):
    """The compiled plan of a source that validates, or None."""
    try:
        parsed = spec.parse_flow(source, flow_services.validation_context())
    except FlowSpecError:
        return None
    definition = parsed.model_dump(by_alias=True, exclude_none=True, mode="json")
    return engine.compile_flow({**definition, "revision": 0})


def _editor(request, *, flow, source: str, errors: list | None = None) -> HttpResponse:
    plan = _plan_of_source(source)
    return render(
        request,
        "ui/flows/editor.html",
        {
            "section": "flows",
            "flow": flow,
            "source": source,
            "errors": errors or [],
            "svg": graph.flow_svg(plan) if plan is not None else None,
        },
    )


def _violations(error: DomainError) -> list[dict]:
    return [{"path": v.path, "message": v.message, "line": v.line} for v in error.violations()]


def flow_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        source = request.POST.get("source", "")
        try:
            namespace = flow_services.flow_parse(source).namespace
            if not rights_for(request.user).allows(WRITE, namespace):
                raise PermissionDenied(f"No write permission on namespace '{namespace}'")
            flow = flow_services.flow_create(source=source, user=request.user)
        except DomainError as error:
            return _editor(request, flow=None, source=source, errors=_violations(error))
        messages.success(request, f"Flow {flow.uid} created (revision {flow.revision}).")
        return redirect("ui:flow-edit", namespace=flow.namespace, flow_id=flow.flow_id)
    return _editor(request, flow=None, source=request.GET.get("source") or NEW_FLOW)


def flow_edit(request: HttpRequest, namespace: str, flow_id: str) -> HttpResponse:
    flow = _flow_or_404(namespace, flow_id)
    if request.method == "POST":
        source = request.POST.get("source", "")
        before = flow.revision
        try:
            flow = flow_services.flow_update(
                namespace=namespace, flow_id=flow_id, source=source, user=request.user
            )
        except DomainError as error:
            return _editor(request, flow=flow, source=source, errors=_violations(error))
        if flow.revision == before:
            messages.info(request, "No change: the source is the same as the current revision.")
        else:
            messages.success(request, f"Saved as revision {flow.revision}.")
        return redirect("ui:flow-edit", namespace=namespace, flow_id=flow_id)
    return _editor(request, flow=flow, source=flow.source)


@require_POST
def flow_preview(request: HttpRequest) -> JsonResponse:
    """The topology of the editor's current text (when it validates) and its warnings with
    their lines, for the live graph; errors come from the validate API."""
    report = spec.validate_flow(request.POST.get("source", ""), flow_services.validation_context())
    warnings = [w.as_dict() for w in report.warnings]
    if report.flow is None or report.violations:
        return JsonResponse({"svg": None, "warnings": warnings})
    definition = report.flow.model_dump(by_alias=True, exclude_none=True, mode="json")
    plan = engine.compile_flow({**definition, "revision": 0})
    return JsonResponse({"svg": str(graph.flow_svg(plan)), "warnings": warnings})


def _diff(a: str, b: str, name_a: str, name_b: str) -> list[tuple[str, str]]:
    lines = difflib.unified_diff(
        a.splitlines(), b.splitlines(), fromfile=name_a, tofile=name_b, lineterm="", n=3
    )
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            css = "hunk"
        elif line.startswith("@@"):
            css = "hunk"
        elif line.startswith("+"):
            css = "add"
        elif line.startswith("-"):
            css = "del"
        else:
            css = ""
        out.append((css, line))
    return out


def flow_revisions(request: HttpRequest, namespace: str, flow_id: str) -> HttpResponse:
    try:
        flow, revisions = selectors.flow_revisions(namespace, flow_id, allow_deleted=True)
    except NotFound as error:
        raise Http404(str(error)) from error
    by_number = {r.revision: r for r in revisions}
    numbers = sorted(by_number)

    def pick(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and int(value) in by_number else default

    right = pick("b", numbers[-1])
    left = pick("a", numbers[-2] if len(numbers) > 1 else numbers[-1])
    diff = _diff(
        by_number[left].source,
        by_number[right].source,
        f"revision {left}",
        f"revision {right}",
    )
    return render(
        request,
        "ui/flows/revisions.html",
        {
            "section": "flows",
            "flow": flow,
            "revisions": list(reversed(revisions)),
            "left": left,
            "right": right,
            "diff": diff,
            "same": not diff,
        },
    )


def flow_execute(request: HttpRequest, namespace: str, flow_id: str) -> HttpResponse:
    flow = _flow_or_404(namespace, flow_id)
    declared = flow.definition.get("inputs") or []
    if request.method == "POST":
        form = ExecuteForm(declared, request.POST, request.FILES)
        if form.is_valid():
            try:
                row = services.execution_create(
                    namespace=namespace,
                    flow_id=flow_id,
                    inputs=form.raw_inputs(),
                    labels=form.labels(),
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"Execution {row.id} created.")
                return redirect("ui:execution", execution_id=row.id)
    else:
        form = ExecuteForm(declared)
    return render(
        request,
        "ui/flows/execute.html",
        {"section": "flows", "flow": flow, "form": form},
    )
