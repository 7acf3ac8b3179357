"""Functions over the render context itself: render, renderOnce, printContext, currentEachOutput."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from executions.templating.errors import RenderError
from executions.templating.registry import register_function
from executions.templating.state import State


@register_function("render")
def render(state: State, toRender: Any = None, recursive: Any = True) -> Any:
    """Render a value again with the same variables (recursively unless told otherwise)."""
    if recursive is None:
        recursive = True
    if not isinstance(recursive, bool):
        raise RenderError(
            "The 'render' function expects an optional argument 'recursive' with type boolean."
        )
    return state.renderer.render_object(toRender, state.all_variables(), state, recursive)


@register_function("renderOnce")
def render_once(state: State, toRender: Any = None) -> Any:
    return render(state, toRender, recursive=False)


@register_function("printContext", "fetchContext")
def print_context(state: State) -> dict[str, Any]:
    return state.all_variables()


@register_function("currentEachOutput")
def current_each_output(state: State, outputs: Any = None) -> Any:
    """The output of a sibling task for the current ForEach iteration (and its parents)."""
    if outputs is None:
        raise RenderError("The 'currentEachOutput' function expects an argument 'outputs'.")
    if not isinstance(outputs, Mapping):
        raise RenderError(
            "The 'currentEachOutput' function expects an argument 'outputs' with type map."
        )
    parents = state.variable("parents") or []
    current: Any = outputs
    for parent in reversed(list(parents)):
        taskrun = parent.get("taskrun") if isinstance(parent, Mapping) else None
        if taskrun is not None:
            current = _step(current, taskrun)
    taskrun = state.variable("taskrun")
    if not isinstance(taskrun, Mapping):
        raise RenderError("The 'currentEachOutput' function can only be used inside a ForEach")
    return _step(current, taskrun)


def _step(outputs: Any, taskrun: Mapping[str, Any]) -> Any:
    if not isinstance(outputs, Mapping):
        raise RenderError("No output found for the current iteration")
    return outputs.get(taskrun.get("value"))
