"""Writes to the flow repository: every change validates first and is one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from flows import spec
from flows.models import Flow, FlowRevision
from flows.source_edit import set_disabled, set_trigger_disabled
from flows.spec.core.triggers import Flow as FlowTrigger
from flows.spec.errors import FlowSpecError, Violation
from kestra_site.errors import InvalidInput, NotFound
from scheduler.polling import polling_sync
from scheduler.services import triggers_sync


def validation_context() -> spec.ValidationContext:
    """What the repository validates against: the declared worker groups of this deployment."""
    return spec.ValidationContext(worker_groups=frozenset(settings.KESTRA["WORKER_GROUPS"]))


def flow_parse(source: str, *, path_prefix: str = "") -> spec.Flow:
    """Parse and validate a source, raising InvalidInput (422) with every violation."""
    try:
        return spec.parse_flow(source, validation_context())
    except FlowSpecError as error:
        raise InvalidInput.from_spec(error, prefix=path_prefix) from error


def _definition(parsed: spec.Flow) -> dict:
    return parsed.model_dump(by_alias=True, exclude_none=True, mode="json")


def _apply(flow: Flow, source: str, parsed: spec.Flow, *, deleted: bool = False) -> None:
    flow.source = source
    flow.definition = _definition(parsed)
    flow.description = parsed.description or ""
    flow.labels = flow.definition.get("labels", [])
    flow.disabled = bool(parsed.disabled)
    flow.has_flow_trigger = any(
        isinstance(trigger, FlowTrigger) and not trigger.disabled
        for trigger in parsed.triggers or []
    )
    flow.deleted = deleted


def _record_revision(flow: Flow, user) -> None:
    FlowRevision.objects.create(
        flow=flow,
        revision=flow.revision,
        source=flow.source,
        definition=flow.definition,
        disabled=flow.disabled,
        deleted=flow.deleted,
        author=user if getattr(user, "is_authenticated", False) else None,
    )
    triggers_sync(flow)  # every revision (save, disable, delete): Schedule rows, same transaction
    polling_sync(flow)  # and polling triggers' rows (scheduler/polling.py)


def _locked(namespace: str, flow_id: str) -> Flow | None:
    return (
        Flow.objects.select_for_update()
        .filter(tenant=settings.KESTRA["TENANT"], namespace=namespace, flow_id=flow_id)
        .first()
    )


def _save_new(source: str, parsed: spec.Flow, user) -> Flow:
    existing = _locked(parsed.namespace, parsed.id)
    if existing is not None and not existing.deleted:
        raise InvalidInput(f"Flow id already exists: {parsed.namespace}.{parsed.id}", path="id")
    if existing is None:
        flow = Flow(
            tenant=settings.KESTRA["TENANT"],
            namespace=parsed.namespace,
            flow_id=parsed.id,
            revision=1,
        )
    else:  # a deleted flow comes back as the next revision, its history kept
        flow = existing
        flow.revision += 1
    _apply(flow, source, parsed)
    try:
        with transaction.atomic():
            flow.save()
    except IntegrityError as error:  # a concurrent create won the race
        raise InvalidInput(
            f"Flow id already exists: {parsed.namespace}.{parsed.id}", path="id"
        ) from error
    _record_revision(flow, user)
    return flow


def _save_update(flow: Flow, source: str, parsed: spec.Flow, user) -> Flow:
    if flow.source == source and not flow.deleted:
        return flow  # unchanged source: no new revision
    flow.revision += 1
    _apply(flow, source, parsed)
    flow.save()
    _record_revision(flow, user)
    return flow


def flow_create(*, source: str, user=None) -> Flow:
    parsed = flow_parse(source)
    with transaction.atomic():
        return _save_new(source, parsed, user)


def flow_update(*, namespace: str, flow_id: str, source: str, user=None) -> Flow:
    parsed = flow_parse(source)
    if (parsed.namespace, parsed.id) != (namespace, flow_id):
        raise InvalidInput(
            f"Illegal flow id update: the source defines {parsed.namespace}.{parsed.id}, "
            f"the request targets {namespace}.{flow_id}",
            path="id",
        )
    with transaction.atomic():
        flow = _locked(namespace, flow_id)
        if flow is None or flow.deleted:
            raise NotFound(f"Flow not found: {namespace}.{flow_id}")
        return _save_update(flow, source, parsed, user)


def flow_delete(*, namespace: str, flow_id: str, user=None) -> Flow:
    """Soft delete: the flow is marked deleted and the deletion is a revision of its own."""
    with transaction.atomic():
        flow = _locked(namespace, flow_id)
        if flow is None or flow.deleted:
            raise NotFound(f"Flow not found: {namespace}.{flow_id}")
        flow.deleted = True
        flow.revision += 1
        flow.save()
        _record_revision(flow, user)
        return flow


def flow_set_disabled(*, namespace: str, flow_id: str, disabled: bool, user=None) -> Flow:
    """Disable or enable a flow by editing `disabled:` in its source, as Kestra does."""
    with transaction.atomic():
        flow = _locked(namespace, flow_id)
        if flow is None or flow.deleted:
            raise NotFound(f"Flow not found: {namespace}.{flow_id}")
        if flow.disabled == disabled:
            return flow
        source = set_disabled(flow.source, disabled)
        return _save_update(flow, source, flow_parse(source), user)


def flow_set_trigger_disabled(
    *, namespace: str, flow_id: str, trigger_id: str, disabled: bool, user=None
) -> Flow:
    """Disable or enable one trigger of a flow by editing its `disabled:` in the source (a new
    revision); there is no separate trigger state yet."""
    with transaction.atomic():
        flow = _locked(namespace, flow_id)
        if flow is None or flow.deleted:
            raise NotFound(f"Flow not found: {namespace}.{flow_id}")
        try:
            source = set_trigger_disabled(flow.source, trigger_id, disabled)
        except KeyError:
            raise NotFound(
                f"Unable to find trigger {trigger_id} for the flow {namespace}.{flow_id}"
            ) from None
        if source == flow.source:
            return flow
        return _save_update(flow, source, flow_parse(source), user)


@dataclass
class DocumentReport:
    """The validation result of one document of a multi-document YAML body."""

    index: int
    namespace: str | None
    flow_id: str | None
    violations: list[Violation]
    warnings: list[Violation]


def flows_validate(source: str) -> list[DocumentReport]:
    """Validate every document of a (multi-document) source without writing anything."""
    reports = []
    for index, document in enumerate(spec.split_documents(source)):
        report = spec.validate_flow(document, validation_context())
        ident = _identity(document, report)
        reports.append(
            DocumentReport(index, ident[0], ident[1], report.violations, report.warnings)
        )
    return reports


def _identity(document: str, report: spec.ValidationReport) -> tuple[str | None, str | None]:
    if report.flow is not None:
        return report.flow.namespace, report.flow.id
    try:
        import yaml

        data = yaml.safe_load(document)
    except Exception:  # the report already says why it does not parse
        return None, None
    if not isinstance(data, dict):
        return None, None
    ns, fid = data.get("namespace"), data.get("id")
    return (ns if isinstance(ns, str) else None, fid if isinstance(fid, str) else None)


def flows_update_namespace(
    *, namespace: str, source: str, delete: bool = False, allow_children: bool = False, user=None
) -> list[Flow]:
    """Make a namespace hold exactly these flows (with `delete`), all or nothing."""
    documents = spec.split_documents(source)
    parsed: list[tuple[str, spec.Flow]] = []
    violations: list[Violation] = []
    for index, document in enumerate(documents):
        try:
            flow = flow_parse(document, path_prefix=f"[{index}].")
        except InvalidInput as error:
            violations.extend(error.violations())
            continue
        in_namespace = flow.namespace == namespace or (
            allow_children and flow.namespace.startswith(namespace + ".")
        )
        if not in_namespace:
            violations.append(
                Violation(
                    f"[{index}].namespace",
                    f"Flow {flow.namespace}.{flow.id} is not in namespace {namespace}",
                )
            )
        parsed.append((document, flow))
    seen: set[tuple[str, str]] = set()
    for index, (_, flow) in enumerate(parsed):
        key = (flow.namespace, flow.id)
        if key in seen:
            violations.append(
                Violation(f"[{index}].id", f"Duplicate flow {flow.namespace}.{flow.id}")
            )
        seen.add(key)
    if violations:
        raise InvalidInput("\n".join(str(v) for v in violations), violations=violations)

    with transaction.atomic():
        saved = []
        for document, flow in parsed:
            existing = _locked(flow.namespace, flow.id)
            if existing is None or existing.deleted:
                saved.append(_save_new(document, flow, user))
            else:
                saved.append(_save_update(existing, document, flow, user))
        if delete:
            stale = (
                Flow.objects.select_for_update()
                .filter(tenant=settings.KESTRA["TENANT"], namespace=namespace, deleted=False)
                .exclude(flow_id__in=[f.id for _, f in parsed if f.namespace == namespace])
            )
            for flow in stale:
                flow.deleted = True
                flow.revision += 1
                flow.save()
                _record_revision(flow, user)
        return saved
