"""Read an execution's inputs: dependencies, defaults, coercion, validation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from executions.inputs.declared import declared_list, depends_on, is_required, item_type
from executions.inputs.errors import InputError, InputProblem, InvalidValue
from executions.inputs.nesting import lookup, nest
from executions.inputs.parse import Encrypt, ParseEnv, StoreFile, parse_value, to_stored
from executions.inputs.rules import validate
from executions.templating.values import java_simple_name, java_str
from flows.spec.errors import Violation

RenderTyped = Callable[[str, dict[str, Any]], Any]
_MASK = "********"


@dataclass
class _Resolved:
    value: Any = None  # typed (datetime, timedelta, ...), or the raw value when invalid
    enabled: bool = True
    error: str | None = None


def read_inputs(
    declared: Iterable[Any] | None,
    raw: Mapping[str, Any] | None,
    *,
    store_file: StoreFile | None = None,
    encrypt: Encrypt | None = None,
    variables: Mapping[str, Any] | None = None,
    render: RenderTyped | None = None,
) -> dict[str, Any]:
    """Typed, validated execution inputs as Kestra stores them, nested by dotted ids.

    Only declared inputs are read (others are ignored, as in Kestra); a missing value takes
    the declared default; an optional input without value is present as None; an input whose
    `dependsOn` is not satisfied is left out. FILE values other than a `kestra://` URI go to
    `store_file(input_id, content)`; SECRET values are stored as `encrypt(value)`.
    `variables` and `render(expression, context)` (render typed) serve `dependsOn` conditions,
    SELECT/MULTISELECT `expression`s and templated defaults; without `render` the templating
    package's renderer is used. Raises InputError carrying a violation for every faulty input.
    """
    resolver = _Resolver(
        declared_list(declared),
        raw or {},
        ParseEnv("", store_file, encrypt),
        dict(variables or {}),
        render,
    )
    results = resolver.resolve_all()
    violations = [
        Violation(f"inputs.{input_id}", state.error)
        for input_id, state in results.items()
        if state.enabled and state.error is not None
    ]
    if violations:  # refused before any file is stored or secret encrypted
        raise InputError(violations)
    stored = {}
    for input_id, state in results.items():
        if state.enabled:
            spec = resolver.declared[input_id]
            env = ParseEnv(input_id, store_file, encrypt)
            try:
                stored[input_id] = to_stored(str(spec["type"]), state.value, env, item_type(spec))
            except (ValueError, TypeError, OSError) as error:
                message = _invalid(input_id, f"Unable to store the value: {error}", None)
                violations.append(Violation(f"inputs.{input_id}", message))
    nested: dict[str, Any] = {}
    try:
        nested = nest(stored)
    except InputProblem as problem:
        violations.append(Violation(f"inputs.{problem.args[1]}", str(problem.args[0])))
    if violations:
        raise InputError(violations)
    return nested


class _Resolver:
    """Resolves each declared input once, its dependencies first (Kestra's resolveInputValue)."""

    def __init__(
        self,
        declared: list[dict[str, Any]],
        raw: Mapping[str, Any],
        env: ParseEnv,
        variables: dict[str, Any],
        render: RenderTyped | None,
    ) -> None:
        self.declared = {str(spec["id"]): spec for spec in declared}
        self.raw = raw
        self.env = env
        self.variables = variables
        self.render = render
        self.results: dict[str, _Resolved] = {}
        self.pending: set[str] = set()

    def resolve_all(self) -> dict[str, _Resolved]:
        for input_id in self.declared:
            self.resolve(input_id)
        return {input_id: self.results[input_id] for input_id in self.declared}

    def resolve(self, input_id: str) -> _Resolved:
        if input_id in self.results:
            return self.results[input_id]
        self.pending.add(input_id)
        try:
            state = self._resolve(self.declared[input_id])
        finally:
            self.pending.discard(input_id)
        self.results[input_id] = state
        return state

    def _resolve(self, spec: dict[str, Any]) -> _Resolved:
        ids, condition = depends_on(spec)
        looping = [i for i in ids if i in self.pending]
        if looping:
            return _Resolved(None, True, f"circular `dependsOn` through `{looping[0]}`")
        dependencies = {i: self.resolve(i) for i in ids if i in self.declared}
        context = self._context(dependencies)
        if not all(d.enabled for d in dependencies.values()):
            return _Resolved(enabled=False)
        if condition is not None:
            self._renderer()
            try:
                result = self._render(condition, context)
            except Exception as error:  # Kestra disables the input on any failure
                return _Resolved(None, False, f"Invalid condition: {error}")
            if not (result is True or str(result).strip() == "true"):
                return _Resolved(enabled=False)
        try:
            spec = self._with_rendered_values(spec, context)
            value = self._value(spec, context)
        except InputProblem as problem:
            return _Resolved(None, True, str(problem))
        return self._typed(spec, value)

    def _typed(self, spec: dict[str, Any], value: Any) -> _Resolved:
        input_id, kind = str(spec["id"]), str(spec["type"])
        if value is None:
            if is_required(spec):
                return _Resolved(None, True, _invalid(input_id, "missing required input", None))
            return _Resolved(None)
        env = ParseEnv(input_id, self.env.store_file, self.env.encrypt)
        received = _MASK if kind == "SECRET" else value
        if hasattr(value, "read"):  # an upload: name it rather than print the stream object
            received = getattr(value, "name", "<upload>")
        try:
            typed = parse_value(kind, value, env, item_type(spec))
            validate(spec, typed)
        except InvalidValue as error:
            return _Resolved(value, True, _invalid(input_id, str(error), received))
        except (ValueError, TypeError, OSError) as error:
            return _Resolved(value, True, _invalid(input_id, str(error), received))
        return _Resolved(typed)

    def _value(self, spec: dict[str, Any], context: dict[str, Any]) -> Any:
        value = lookup(self.raw, str(spec["id"]))
        if value is not None:
            return value
        default = spec.get("defaults")
        if isinstance(default, str) and ("{{" in default or "{%" in default):
            self._renderer()
            try:
                return self._render(default, context)
            except Exception as error:  # any template failure is the flow's
                raise InputProblem(f"Cannot render 'defaults'. Cause: {error}") from None
        return default

    def _with_rendered_values(self, spec: dict[str, Any], context: dict[str, Any]) -> dict:
        """SELECT and MULTISELECT take their `values` from `expression` when it is set."""
        expression = spec.get("expression")
        if expression is None or spec.get("type") not in ("SELECT", "MULTISELECT"):
            return spec
        self._renderer()
        try:
            result = self._render(expression, context)
        except Exception as error:  # any template failure is the flow's
            raise InputProblem(f"Cannot render 'expression'. Cause: {error}") from None
        if not isinstance(result, list | tuple):
            kind = "<null>" if result is None else java_simple_name(result)
            raise InputProblem(
                f"Invalid expression result. Expected a list of strings, but received {kind}"
            )
        values = [java_str(item) for item in result if item is not None]
        return {**spec, "values": values, "options": None}

    def _context(self, dependencies: dict[str, _Resolved]) -> dict[str, Any]:
        values = {input_id: state.value for input_id, state in dependencies.items()}
        return {**self.variables, "inputs": nest(values, strict=False)}

    def _render(self, expression: str, context: dict[str, Any]) -> Any:
        return self._renderer()(expression, context)

    def _renderer(self) -> RenderTyped:
        # Outside the callers' `except`: a missing templating package is not a user error.
        if self.render is None:
            self.render = default_render()
        return self.render


def _invalid(input_id: str, message: str, received: Any) -> str:
    return f"Invalid input for `{input_id}`, {message}, but received `{java_str(received)}`"


def default_render() -> RenderTyped:
    """The templating package's typed rendering (imported late: it is optional here)."""
    from executions.templating import Renderer

    return Renderer().render_typed
