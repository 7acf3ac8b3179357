"""validate_flow / parse_flow: YAML source -> Flow, or every violation with its path and line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from flows.spec.errors import FlowSpecError, Violation
from flows.spec.flow import Flow
from flows.spec.plugins import Loc, Plugin
from flows.spec.registry import registry
from flows.spec.yaml_source import LoadedSource, decode_source, load_yaml

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationContext:
    """What a flow is validated against."""

    # None: any workerGroup.key is accepted; else an undeclared key is a violation.
    worker_groups: frozenset[str] | None = None
    # False: unknown properties are ignored instead of rejected.
    strict: bool = True


@dataclass
class ValidationReport:
    """The outcome of validating one flow source."""

    flow: Flow | None
    violations: list[Violation]
    warnings: list[Violation] = field(default_factory=list)
    source: str = ""

    @property
    def ok(self) -> bool:
        return not self.violations


def loc_to_path(loc: tuple[Any, ...]) -> str:
    """("tasks", 2, "then", 0, "type") -> "tasks[2].then[0].type"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "must not be null"
    if kind == "string_pattern_mismatch":
        return f'must match "{ctx.get("pattern")}"'
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be blank"
    if kind == "string_too_long":
        return f"size must be at most {ctx.get('max_length')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("greater than or equal to", "ge"),
            "greater_than": ("greater than", "gt"),
            "less_than_equal": ("less than or equal to", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"must be {words[0]} {ctx.get(words[1])}"
    return str(error["msg"])


def _source_line(loc: tuple[Any, ...], loaded: LoadedSource) -> int | None:
    """The line of a model location in the source. Models normalize some maps into lists
    (labels), so an index into what the source wrote as a map is read as its n-th key."""
    source_loc: list[Any] = []
    node: Any = loaded.data
    for part in loc:
        if isinstance(part, int) and isinstance(node, dict):
            keys = list(node)
            if part >= len(keys):
                break
            part = keys[part]
        source_loc.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return loaded.line_of(loc_to_path(tuple(source_loc)))


def _violations(error: ValidationError, loaded: LoadedSource) -> list[Violation]:
    result: list[Violation] = []
    seen: set[tuple[str, str]] = set()
    for item in error.errors(include_url=False):
        path = loc_to_path(item["loc"])
        message = _message(item)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        result.append(Violation(path, message, _source_line(item["loc"], loaded)))
    return result


def _models(value: Any, loc: Loc) -> Iterator[tuple[Loc, BaseModel]]:
    """Every spec model in a validated tree, with its location."""
    if isinstance(value, BaseModel):
        yield loc, value
        for name, info in type(value).model_fields.items():
            if name in value.model_fields_set:
                key = info.serialization_alias or info.alias or name
                yield from _models(getattr(value, name), (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _models(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _models(item, (*loc, key))


def _warnings(flow: Flow, data: dict[str, Any], loaded: LoadedSource) -> list[Violation]:
    found: list[tuple[str, str]] = []
    if "taskDefaults" in data:
        found.append(
            ("taskDefaults", "Property 'taskDefaults' is deprecated, use 'pluginDefaults' instead")
        )
    for loc, model in _models(flow, ()):
        if isinstance(model, Plugin) and model.type_names:
            name = getattr(model, "type", "")
            if name != model.type_names[0]:
                found.append(
                    (
                        loc_to_path((*loc, "type")),
                        f"Type '{name}' is deprecated, use '{model.type_names[0]}' instead",
                    )
                )
            elif model.deprecated:
                found.append((loc_to_path((*loc, "type")), f"Type '{name}' is deprecated"))
        for name, info in type(model).model_fields.items():
            extra = info.json_schema_extra
            if (
                name in model.model_fields_set
                and isinstance(extra, dict)
                and extra.get("deprecated")
            ):
                key = info.alias or name
                found.append((loc_to_path((*loc, key)), f"Property '{key}' is deprecated"))
    return [Violation(path, message, loaded.line_of(path)) for path, message in found]


def validate_flow(
    source: str | bytes, context: ValidationContext | None = None
) -> ValidationReport:
    """Validate one flow source; user errors come back as violations, never as exceptions."""
    context = context or ValidationContext()
    text, _ = decode_source(source)
    report = ValidationReport(flow=None, violations=[], source=text or "")
    try:
        _validate_into(report, source, context)
    except Exception as error:  # a bug must not turn into a 500 for the user's flow
        logger.exception("flow validation crashed")
        report.flow = None
        report.violations.append(Violation("", f"Flow could not be validated: {error!r}"))
    return report


def _validate_into(
    report: ValidationReport, source: str | bytes, context: ValidationContext
) -> None:
    loaded = load_yaml(source)
    if loaded.violations:
        report.violations.extend(loaded.violations)
        return
    data = loaded.data
    if data is None:
        report.violations.append(Violation("", "The flow source is empty"))
        return
    if not isinstance(data, dict):
        report.violations.append(
            Violation("", f"A flow must be a YAML mapping, not a {type(data).__name__}", 1)
        )
        return
    registry.ensure_loaded()
    validation_context = {
        "source": True,
        "strict": context.strict,
        "worker_groups": context.worker_groups,
    }
    try:
        flow = Flow.model_validate(data, context=validation_context)
    except ValidationError as error:
        report.violations.extend(_violations(error, loaded))
        return
    report.flow = flow
    report.warnings.extend(_warnings(flow, data, loaded))


def parse_flow(source: str | bytes, context: ValidationContext | None = None) -> Flow:
    """Parse and validate a flow; FlowSpecError carries every violation."""
    report = validate_flow(source, context)
    if report.violations or report.flow is None:
        raise FlowSpecError(report.violations or [Violation("", "Invalid flow")])
    return report.flow
