"""Render strings and values the way Kestra's VariableRenderer does."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

from executions.templating import runtime
from executions.templating.compiler import compile_template, compile_typed
from executions.templating.errors import AttributeNotFound, RenderError, TemplateError
from executions.templating.state import STATE_KEY, Limits, State
from executions.templating.values import java_str, to_output

# Kestra's raw pattern (made multi-line): raw blocks survive renderOnce with their tags.
_RAW = re.compile(r"\{%-*\s*raw\s*-*%}(.*?)\{%-*\s*endraw\s*-*%}", re.S)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_SIMPLE = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}")
_NOT_VARIABLES = {"true", "false", "null", "none", "TRUE", "FALSE", "NULL", "NONE"}
_NOT_VARIABLES |= {"and", "or", "not", "is", "contains", "equals"}
FALSE_VALUES = frozenset({"false", "0", "-0", ""})  # Kestra's TruthUtils
MAX_RENDERING_AMOUNT = 100


@dataclass
class Functions:
    """I/O the template functions need, supplied by the caller; all optional."""

    read: Callable[[str], str] | None = None  # read('kestra:///...') or a namespace file path
    file_size: Callable[[str], int] | None = None  # fileSize(uri)
    kv: Callable[[str, str | None, bool], Any] | None = None  # kv(key, namespace, errorOnMissing)
    secret: Callable[[str], str] | None = None  # secret(key)
    error_logs: Callable[[], list[dict[str, Any]]] | None = None  # errorLogs()
    file_exists: Callable[[str], bool] | None = None  # fileExists(uri)
    clock: Callable[[], datetime] | None = None  # now(); the system clock when None

    def hook(self, name: str, function: str) -> Callable[..., Any]:
        hook = getattr(self, name)
        if hook is None:
            raise TemplateError(f"The '{function}' function is not available in this context")
        return hook  # type: ignore[no-any-return]


def has_tags(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


def strip_raw(text: str) -> str:
    return _RAW.sub(r"\1", text) if "raw" in text else text


class Renderer:
    """Renders Kestra expressions against a context of plain Python values."""

    def __init__(
        self,
        functions: Functions | None = None,
        *,
        timezone: tzinfo = UTC,
        limits: Limits | None = None,
    ) -> None:
        self.functions = functions or Functions()
        self.timezone = timezone
        self.limits = limits or Limits()

    # -- public API -------------------------------------------------------------------------
    def render(self, template: str, context: Mapping[str, Any]) -> str:
        """Render one string; strings without ``{{``, ``{%`` or ``{#`` come back as they are."""
        if not has_tags(template):
            return template
        return self.render_string(template, context, None, recursive=False)

    def render_value(self, value: Any, context: Mapping[str, Any]) -> Any:
        """Render every string inside dicts and lists (keys too); other values are kept."""
        return self.render_object(value, context, None, recursive=False)

    def render_typed(self, template: str, context: Mapping[str, Any]) -> Any:
        """The value of a lone ``{{ expr }}`` (list, dict, int, None...); else render()."""
        if not has_tags(template):
            return template
        path = _simple_path(template)
        if path is not None:
            return self._run(template, lambda: _resolve(path, context))
        compiled = None if "raw" in template else compile_typed(template)
        if compiled is None:
            return self.render(template, context)
        state = self._state(template, context, None)
        self._execute(compiled, state, context)
        return state.result

    def is_true(self, template: str, context: Mapping[str, Any]) -> bool:
        """Kestra's truth for If, runIf, Fail and WaitFor: anything but false, 0, -0 or ''."""
        if template is None:
            return False
        if not isinstance(template, str):  # a YAML boolean or number given as the condition
            return java_str(template) not in FALSE_VALUES
        return self.render(template, context) not in FALSE_VALUES

    # -- internals (also used by render()/renderOnce()) ---------------------------------------
    def render_object(
        self, value: Any, variables: Mapping[str, Any], parent: State | None, recursive: bool
    ) -> Any:
        if isinstance(value, str):
            return self.render_string(value, variables, parent, recursive)
        if isinstance(value, Mapping):
            rendered: dict[Any, Any] = {}
            for key, item in value.items():
                if isinstance(key, str):
                    key = self.render_string(key, variables, parent, recursive)
                rendered.setdefault(key, self.render_object(item, variables, parent, recursive))
            return rendered
        if isinstance(value, list | tuple | set | frozenset):
            items = [self.render_object(item, variables, parent, recursive) for item in value]
            return items if isinstance(value, list) else type(value)(items)
        return value

    def render_string(
        self, template: str, variables: Mapping[str, Any], parent: State | None, recursive: bool
    ) -> str:
        if not has_tags(template):
            return template
        result = self._render_once(template, variables, parent)
        if recursive:
            count = 0
            while result != template:
                count += 1
                if count > MAX_RENDERING_AMOUNT:
                    raise TemplateError("Too many rendering attempts")
                template, result = result, self._render_once(result, variables, parent)
        return strip_raw(result)

    def _render_once(
        self, template: str, variables: Mapping[str, Any], parent: State | None
    ) -> str:
        if not has_tags(template):
            return template
        path = _simple_path(template)
        if path is not None:
            try:
                value = _resolve(path, variables)
                return value if type(value) is str else to_output(value, self.limits.max_output)
            except Exception as exc:
                raise _failure(template, exc) from None
        blocks: list[str] = []

        def stash(match: re.Match[str]) -> str:
            blocks.append(match.group(0))
            return f"\ue000{len(blocks) - 1}\ue001"

        source = _RAW.sub(stash, template) if "raw" in template else template
        state = self._state(template, variables, parent)
        compiled = compile_template(source)
        text = self._execute(compiled, state, variables)
        return _PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], text) if blocks else text

    def _state(self, template: str, variables: Mapping[str, Any], parent: State | None) -> State:
        if parent is None:
            return State(self, self.functions, template, self.limits, self.timezone, variables)
        state = parent.child(template, variables)
        if state.depth > self.limits.max_depth:
            raise RenderError("Too many nested renderings")
        return state

    def _execute(self, compiled: Any, state: State, variables: Mapping[str, Any]) -> str:
        def run() -> str:
            context = compiled.new_context(variables, shared=True)
            context.vars[STATE_KEY] = state
            parts: list[str] = []
            size = 0
            for chunk in compiled.root_render_func(context):
                size += len(chunk)
                if size > self.limits.max_output:
                    raise RenderError(
                        f"Rendered output exceeds {self.limits.max_output} characters"
                    )
                parts.append(chunk)
            return "".join(parts)

        return self._run(state.source, run)  # type: ignore[no-any-return]

    @staticmethod
    def _run(source: str, action: Callable[[], Any]) -> Any:
        """Run a render step, turning failures into Kestra-worded TemplateErrors."""
        try:
            return action()
        except Exception as exc:
            raise _failure(source, exc) from (None if isinstance(exc, TemplateError) else exc)


@lru_cache(maxsize=4096)
def _simple_path(template: str) -> tuple[str, ...] | None:
    """``("a", "b", "c")`` for the common ``{{ a.b.c }}``, rendered without compiling."""
    simple = _SIMPLE.fullmatch(template)
    if simple is None:
        return None
    names = tuple(simple.group(1).split("."))
    return (
        None
        if names[0] in _NOT_VARIABLES or any(name.startswith("__") for name in names)
        else names
    )


def _resolve(path: tuple[str, ...], variables: Mapping[str, Any]) -> Any:
    root = path[0]
    if root not in variables:
        raise AttributeNotFound(root, 1)
    value = variables[root]
    for index, name in enumerate(path[1:]):
        if isinstance(value, dict) and name in value:
            value = value[name]
        else:
            value = runtime.getattr_(value, name, 1, None if index else root)
    return value


def _failure(source: str, exc: Exception) -> TemplateError:
    """The TemplateError to raise for a failure while rendering source."""
    if isinstance(exc, AttributeNotFound):
        where = f"`{source}` at line {exc.lineno}"
        return TemplateError(f"Unable to find `{exc.name}` used in the expression {where}")
    if isinstance(exc, RenderError):
        where = f"{source}:{exc.lineno}" if exc.lineno is not None else source
        return TemplateError(f"{exc.message} ({where})")
    if isinstance(exc, TemplateError):
        return exc
    if isinstance(exc, RecursionError):
        return TemplateError(f"Too deep recursion while rendering ({source})")
    return TemplateError(f"Unable to render ({source}): {exc}")


def render(template: str, context: Mapping[str, Any], functions: Functions | None = None) -> str:
    """Render one string with a throwaway Renderer."""
    return Renderer(functions).render(template, context)
