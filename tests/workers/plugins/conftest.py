"""Fixtures for the runnable tasks: a renderer, a log recorder and a context builder."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from executions.templating.errors import TemplateError
from workers.plugins import RunContext

_EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}")


class FakeRenderer:
    """Follows the Renderer contract for `{{ a.b }}` and `{{ a.b == "x" }}`, strictly."""

    def _lookup(self, path: str, context: dict[str, Any]) -> Any:
        value: Any = context
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                raise TemplateError(f"Unable to find `{part}` used in the expression `{path}`")
            value = value[part]
        return value

    def _evaluate(self, expression: str, context: dict[str, Any]) -> Any:
        left, equals, right = expression.partition("==")
        if equals:
            return self._lookup(left.strip(), context) == right.strip().strip("'\"")
        return self._lookup(expression, context)

    @staticmethod
    def _text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    def render(self, template: str, context: dict[str, Any]) -> str:
        return _EXPRESSION.sub(lambda m: self._text(self._evaluate(m.group(1), context)), template)

    def render_value(self, value: Any, context: dict[str, Any]) -> Any:
        if isinstance(value, str):
            return self.render(value, context)
        if isinstance(value, dict):
            return {
                self.render(k, context): self.render_value(v, context) for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.render_value(item, context) for item in value]
        return value

    def render_typed(self, template: str, context: dict[str, Any]) -> Any:
        match = _EXPRESSION.fullmatch(template.strip())
        return self._evaluate(match.group(1), context) if match else self.render(template, context)

    def is_true(self, template: str, context: dict[str, Any]) -> bool:
        return self.render(template, context) not in ("false", "0", "-0", "")


def _renderer() -> Any:
    try:
        from executions.templating import Renderer  # the real one, once it exists
    except ImportError:
        return FakeRenderer()
    return Renderer()


class Recorder:
    """Collects (level, message) log lines."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, level: str, message: str) -> None:
        self.lines.append((level, message))


@pytest.fixture
def logs() -> Recorder:
    return Recorder()


@pytest.fixture
def make_ctx(logs: Recorder) -> Callable[..., RunContext]:
    renderer = _renderer()

    def build(task: dict[str, Any], variables: dict[str, Any] | None = None, **kwargs: Any):
        variables = variables if variables is not None else {}
        variables.setdefault("task", {"id": task.get("id"), "type": task.get("type")})
        variables.setdefault("flow", {"id": "logs", "namespace": "io.kestra.tests"})
        return RunContext(task=task, variables=variables, renderer=renderer, log=logs, **kwargs)

    return build
