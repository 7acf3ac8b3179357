"""Flow triggers (`io.kestra.plugin.core.trigger.Flow`): start flows when other executions change.

The evaluation is pure (`evaluate`: plain dicts in, what to start out, time windows passed in
and returned); `on_state_change` is the database glue the executor calls, inside its
transaction, each time an execution's state changes. A (source execution, state change, flow,
trigger) starts at most one execution: a unique row is inserted first, the execution created
only if that insert succeeded, so any number of executors can run.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from executions.states import State
from flows.spec.core.triggers import Flow as FlowTrigger

logger = logging.getLogger(__name__)

FLOW_TRIGGER = FlowTrigger.type_names[0]
_FLOW_TYPES = FlowTrigger.type_names
TERMINAL = frozenset(s.value for s in State if s.is_terminal)


# ---------------------------------------------------------------- pure evaluation


@dataclass
class Source:
    """The execution whose state changed, as conditions see it."""

    id: str
    namespace: str
    flow_id: str
    state: str
    labels: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    flow_revision: int | None = None
    variables: dict[str, Any] = field(default_factory=dict)  # the render context

    def trigger_variables(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "executionId": self.id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "flowRevision": self.flow_revision,
            "state": self.state,
        }
        if self.outputs is not None:
            found["outputs"] = self.outputs
        return found


@dataclass
class Window:
    """A MultipleCondition's (or preconditions') progress within its time window."""

    start: datetime
    end: datetime
    results: dict[str, bool] = field(default_factory=dict)

    def valid(self, at: datetime) -> bool:
        return self.start <= at <= self.end


@dataclass
class Fire:
    """One execution to start: flow (namespace, id), trigger id, rendered inputs, trigger dict."""

    namespace: str
    flow_id: str
    trigger_id: str
    inputs: dict[str, Any] | None
    trigger: dict[str, Any]


@dataclass
class Decision:
    fires: list[Fire] = field(default_factory=list)
    # (namespace, flow_id, trigger_id, condition_id) -> window to save, or None to delete
    windows: dict[tuple[str, str, str, str], Window | None] = field(default_factory=dict)


def is_flow_trigger(trigger: dict[str, Any]) -> bool:
    return str(trigger.get("type")) in _FLOW_TYPES and not trigger.get("disabled")


def flow_triggers_of(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in definition.get("triggers") or [] if is_flow_trigger(t)]


def _duration(value: Any, default: timedelta) -> timedelta:
    if not value:
        return default
    from flows.spec.durations import parse_duration

    return parse_duration(str(value))


def _time_of_day(value: Any) -> timedelta:
    parts = [int(float(p)) for p in str(value).split("+")[0].split(":")]
    parts += [0] * (3 - len(parts))
    return timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def new_window(time_window: dict[str, Any] | None, at: datetime) -> Window:
    """The window that contains `at`, as Kestra's multiple-condition storage opens one."""
    tw = time_window or {}
    kind = tw.get("type") or "DURATION_WINDOW"
    now = at.replace(microsecond=0)
    day = now.replace(hour=0, minute=0, second=0)
    if kind == "SLIDING_WINDOW":
        return Window(now, now + _duration(tw.get("window"), timedelta(days=1)))
    if kind == "DAILY_TIME_WINDOW":
        return Window(
            day + _time_of_day(tw.get("startTime")), day + _time_of_day(tw.get("endTime"))
        )
    if kind == "DAILY_TIME_DEADLINE":
        return Window(day, day + _time_of_day(tw.get("deadline")))
    window = _duration(tw.get("window"), timedelta(days=1))
    if window >= timedelta(days=1):
        now = now.replace(hour=0)
    if window >= timedelta(hours=1):
        now = now.replace(minute=0)
    minutes = int(window.total_seconds() // 60)
    if minutes > 0:
        minute = now.minute
        now = now.replace(second=0, minute=0) + timedelta(minutes=minutes * (minute // minutes))
    start = now + _duration(tw.get("windowAdvance"), timedelta(0))
    return Window(start, start + window - timedelta(milliseconds=1))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _render(renderer: Any, value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return renderer.render(value, context)
    return renderer.render_value(value, context)


def condition_holds(condition: dict[str, Any], source: Source, renderer: Any) -> bool:
    """One (non-windowed) condition against the source execution."""
    kind = str(condition.get("type", "")).rsplit(".", 1)[-1].removesuffix("Condition")
    if kind == "ExecutionStatus":
        if condition.get("in") and source.state not in condition["in"]:
            return False
        return not (condition.get("notIn") and source.state in condition["notIn"])
    if kind in ("ExecutionFlow", "Flow"):
        return source.namespace == condition.get("namespace") and source.flow_id == condition.get(
            "flowId"
        )
    if kind in ("ExecutionNamespace", "FlowNamespace"):
        namespace = str(condition.get("namespace"))
        comparison = condition.get("comparison") or (
            "PREFIX" if condition.get("prefix") else "EQUALS"
        )
        if comparison == "PREFIX":
            return source.namespace.startswith(namespace)
        if comparison == "SUFFIX":
            return source.namespace.endswith(namespace)
        return source.namespace == namespace
    if kind == "ExecutionLabels":
        wanted = condition.get("labels") or {}
        if isinstance(wanted, list):
            wanted = {str(i.get("key")): i.get("value") for i in wanted}
        return all(source.labels.get(str(k)) == str(v) for k, v in wanted.items())
    if kind in ("ExecutionOutputs", "Expression", "Variable"):
        if kind == "ExecutionOutputs" and source.outputs is None:
            return False
        return _truthy(_render(renderer, condition.get("expression"), source.variables))
    if kind == "Not":
        return not any(condition_holds(c, source, renderer) for c in condition["conditions"])
    if kind == "Or":
        return any(condition_holds(c, source, renderer) for c in condition["conditions"])
    logger.info("flow trigger condition %s not evaluated here: ignored", condition.get("type"))
    return True


def _filter_holds(item: dict[str, Any], source: Source, renderer: Any) -> bool:
    fields = {"FLOW_ID": source.flow_id, "NAMESPACE": source.namespace, "STATE": source.state}
    op = item.get("type")
    value = item.get("value")
    values = [str(v) for v in item.get("values") or []]
    if item.get("field") == "EXPRESSION":
        try:
            actual: Any = _render(renderer, value, source.variables)
        except Exception:  # e.g. a label this execution does not have: the filter fails
            return False
        value = None
    else:
        actual = fields.get(str(item.get("field")))
    text = "" if actual is None else str(actual)
    checks = {
        "EQUAL_TO": lambda: text == str(value),
        "NOT_EQUAL_TO": lambda: text != str(value),
        "IN": lambda: text in values,
        "NOT_IN": lambda: text not in values,
        "IS_TRUE": lambda: _truthy(actual),
        "IS_FALSE": lambda: not _truthy(actual),
        "IS_NULL": lambda: actual is None or text == "",
        "IS_NOT_NULL": lambda: actual is not None and text != "",
        "STARTS_WITH": lambda: text.startswith(str(value)),
        "ENDS_WITH": lambda: text.endswith(str(value)),
        "REGEX": lambda: re.fullmatch(str(value), text) is not None,
        "CONTAINS": lambda: str(value) in text,
    }
    return checks.get(str(op), lambda: False)()


def preconditions_as_multiple(pre: dict[str, Any]) -> dict[str, Any]:
    """Preconditions as the MultipleCondition they amount to: one sub-condition per upstream
    flow (flow, states, labels) and one per `where` group (its filters, AND or OR)."""
    conditions: dict[str, Any] = {}
    for upstream in pre.get("flows") or []:
        name = f"{upstream.get('namespace')}.{upstream.get('flowId') or '*'}"
        conditions[name] = {"_upstream": upstream}
    for group in pre.get("where") or []:
        conditions[str(group["id"])] = {"_where": group}
    return {
        "id": pre.get("id") or "preconditions",
        "timeWindow": pre.get("timeWindow"),
        "resetOnSuccess": pre.get("resetOnSuccess", True),
        "conditions": conditions,
    }


def _sub_holds(condition: dict[str, Any], source: Source, renderer: Any) -> bool:
    if "_upstream" in condition:
        up = condition["_upstream"]
        if source.namespace != up.get("namespace"):
            return False
        if up.get("flowId") and source.flow_id != up["flowId"]:
            return False
        if source.state not in (up.get("states") or TERMINAL):
            return False
        return all(source.labels.get(str(k)) == str(v) for k, v in (up.get("labels") or {}).items())
    if "_where" in condition:
        group = condition["_where"]
        results = [_filter_holds(f, source, renderer) for f in group.get("filters") or []]
        return any(results) if group.get("operand") == "OR" else all(results)
    return condition_holds(condition, source, renderer)


def _multiple_time_window(multiple: dict[str, Any]) -> dict[str, Any] | None:
    if multiple.get("timeWindow"):
        return multiple["timeWindow"]
    if multiple.get("window") or multiple.get("windowAdvance"):
        return {"window": multiple.get("window"), "windowAdvance": multiple.get("windowAdvance")}
    return None


def evaluate(
    source: Source,
    flows: list[tuple[str, str, list[dict[str, Any]]]],
    windows: dict[tuple[str, str, str, str], Window],
    at: datetime,
    renderer: Any,
) -> Decision:
    """Which flow triggers `source` fires. `flows` are (namespace, id, flow triggers) of live
    flows; `windows` the stored windows by (namespace, flow, trigger, condition id)."""
    decision = Decision()
    for namespace, flow_id, triggers in flows:
        if (namespace, flow_id) == (source.namespace, source.flow_id):
            continue  # a flow never triggers itself
        for trigger in triggers:
            if source.state not in (trigger.get("states") or TERMINAL):
                continue
            try:
                _evaluate_one(source, namespace, flow_id, trigger, windows, at, renderer, decision)
            except Exception as error:  # a condition or input that cannot render: no fire
                logger.warning(
                    "flow trigger %s.%s.%s: %s", namespace, flow_id, trigger["id"], error
                )
    return decision


def _evaluate_one(
    source: Source,
    namespace: str,
    flow_id: str,
    trigger: dict[str, Any],
    windows: dict[tuple[str, str, str, str], Window],
    at: datetime,
    renderer: Any,
    decision: Decision,
) -> None:
    conditions = trigger.get("conditions") or []
    plain = [c for c in conditions if not _is_multiple(c)]
    context = {**source.variables, "trigger": source.trigger_variables()}
    scoped = Source(**{**source.__dict__, "variables": context})
    if not all(condition_holds(c, scoped, renderer) for c in plain):
        return
    multiples = [c for c in conditions if _is_multiple(c)]
    if trigger.get("preconditions"):
        multiples.append(preconditions_as_multiple(trigger["preconditions"]))
    ready = True
    for multiple in multiples:
        key = (namespace, flow_id, str(trigger["id"]), str(multiple.get("id")))
        window = decision.windows[key] if key in decision.windows else windows.get(key)
        if window is None or not window.valid(at):
            window = new_window(_multiple_time_window(multiple), at)
        results = dict(window.results)
        for name, sub in (multiple.get("conditions") or {}).items():
            if _sub_holds(sub, scoped, renderer):
                results[name] = True
        window = Window(window.start, window.end, results)
        decision.windows[key] = window
        met = all(results.get(name) for name in multiple.get("conditions") or {})
        if not met:
            ready = False
        elif multiple.get("resetOnSuccess", True):
            decision.windows[key] = None
    if not ready:
        return
    inputs = trigger.get("inputs")
    rendered = _render(renderer, inputs, context) if inputs else None
    decision.fires.append(
        Fire(
            namespace,
            flow_id,
            str(trigger["id"]),
            rendered,
            {
                "id": str(trigger["id"]),
                "type": FLOW_TRIGGER,
                "variables": source.trigger_variables(),
            },
        )
    )


def _is_multiple(condition: dict[str, Any]) -> bool:
    return str(condition.get("type", "")).endswith("MultipleCondition")


# ---------------------------------------------------------------- database glue

_INDEX: OrderedDict[tuple[str, str, int], list[dict[str, Any]]] = OrderedDict()
_INDEX_SIZE = 4096


def _triggers_of_revision(namespace: str, flow_id: str, revision: int) -> list[dict[str, Any]]:
    """The flow triggers of one flow revision, cached (revisions never change)."""
    from flows import selectors as flow_selectors

    key = (namespace, flow_id, revision)
    found = _INDEX.get(key)
    if found is None:
        definition = flow_selectors.flow_revision_definition(namespace, flow_id, revision)
        found = _INDEX[key] = flow_triggers_of(definition)
        while len(_INDEX) > _INDEX_SIZE:
            _INDEX.popitem(last=False)
    return found


def live_flow_triggers(tenant: str) -> list[tuple[str, str, list[dict[str, Any]]]]:
    from flows.models import Flow

    rows = Flow.objects.filter(
        tenant=tenant, deleted=False, disabled=False, has_flow_trigger=True
    ).values_list("namespace", "flow_id", "revision")
    found = []
    for namespace, flow_id, revision in rows:
        try:
            triggers = _triggers_of_revision(namespace, flow_id, revision)
        except Exception:  # a revision row missing: that flow has nothing to fire
            logger.exception("flow %s.%s: cannot read revision %s", namespace, flow_id, revision)
            continue
        if triggers:
            found.append((namespace, flow_id, triggers))
    return found


def source_of(row: Any, plan: Any, snapshot: Any) -> Source:
    from executions import engine
    from executions.engine.variables import nested_labels

    labels = {str(i["key"]): str(i["value"]) for i in row.labels or [] if "key" in i}
    return Source(
        id=row.id,
        namespace=row.namespace,
        flow_id=row.flow_id,
        state=row.state,
        labels=labels,
        outputs=row.outputs,
        flow_revision=row.flow_revision,
        variables={
            **engine.subflow_variables(plan, snapshot),
            "labels": nested_labels(row.labels or []),
        },
    )


def windows_to_update(decision: Decision) -> list[tuple[str, str, str, str]]:
    """From an evaluation on empty windows: the windows this execution changes (a
    sub-condition holds), sorted, the order their rows are locked in (no deadlock)."""
    return sorted(k for k, w in decision.windows.items() if w is None or w.results)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def on_state_change(row: Any, plan: Any, snapshot: Any, at: datetime | None = None) -> list[str]:
    """Fire the flow triggers the new state of `row` meets; the ids of the executions created.
    Call inside the transaction that saved the state (it is atomic with it)."""
    from django.db import IntegrityError, transaction
    from django.db.models import Q

    from executions.engine.core import default_renderer
    from executions.models import FlowTriggerFired, FlowTriggerWindow
    from executions.services import creation
    from kestra_site.errors import DomainError

    flows = live_flow_triggers(row.tenant)
    if not flows:
        return []
    at = at or datetime.now(UTC)
    renderer = default_renderer()
    source = source_of(row, plan, snapshot)
    decision = evaluate(source, flows, {}, at, renderer)
    keys = windows_to_update(decision)
    if keys:
        # The rows exist (an expired placeholder at first), then are locked in key order.
        FlowTriggerWindow.objects.bulk_create(
            [
                FlowTriggerWindow(
                    namespace=k[0],
                    flow_id=k[1],
                    trigger_id=k[2],
                    condition_id=k[3],
                    start=EPOCH,
                    end=EPOCH,
                    results={},
                )
                for k in keys
            ],
            ignore_conflicts=True,
        )
        wanted = Q()
        for ns, fid, tid, cid in keys:
            wanted |= Q(namespace=ns, flow_id=fid, trigger_id=tid, condition_id=cid)
        stored = {
            (w.namespace, w.flow_id, w.trigger_id, w.condition_id): w
            for w in FlowTriggerWindow.objects.select_for_update()
            .filter(wanted)
            .order_by("namespace", "flow_id", "trigger_id", "condition_id")
        }
        windows = {k: Window(w.start, w.end, dict(w.results or {})) for k, w in stored.items()}
        decision = evaluate(source, flows, windows, at, renderer)
        for key in keys:
            window, stored_row = decision.windows.get(key), stored.get(key)
            if stored_row is None:
                continue
            if window is None:
                stored_row.start, stored_row.end, stored_row.results = EPOCH, EPOCH, {}
            else:
                stored_row.start, stored_row.end = window.start, window.end
                stored_row.results = window.results
            stored_row.save(update_fields=["start", "end", "results"])
    step = len(row.state_histories or [])
    created = []
    for fire in decision.fires:
        try:
            with transaction.atomic():
                FlowTriggerFired.objects.create(
                    source_execution_id=row.id,
                    source_step=step,
                    namespace=fire.namespace,
                    flow_id=fire.flow_id,
                    trigger_id=fire.trigger_id,
                )
                new = creation.execution_create(
                    namespace=fire.namespace,
                    flow_id=fire.flow_id,
                    inputs=fire.inputs,
                    trigger=fire.trigger,
                    typed_inputs=False,
                )
        except IntegrityError:
            continue  # already fired for this state change
        except DomainError as error:
            logger.warning("flow trigger %s.%s: %s", fire.namespace, fire.flow_id, error)
            continue
        created.append(new.id)
    return created
