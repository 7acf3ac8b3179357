"""The per-render state a compiled template reaches through its Jinja context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from jinja2.runtime import Context

STATE_KEY = "pebble:state"  # not an identifier: no template can name it


@dataclass(slots=True)
class Limits:
    """Bounds that keep one template from eating memory or CPU."""

    max_output: int = 32 * 1024 * 1024
    max_range: int = 100_000
    max_iterations: int = 1_000_000
    max_depth: int = 50


@dataclass(slots=True)
class State:
    renderer: Any
    functions: Any
    source: str
    limits: Limits
    timezone: tzinfo
    variables: Mapping[str, Any] = field(default_factory=dict)
    sets: dict[str, Any] = field(default_factory=dict)
    counters: list[int] = field(default_factory=lambda: [0])  # loop iterations, shared
    depth: int = 0
    result: Any = None

    def child(self, source: str, variables: Mapping[str, Any]) -> State:
        """State for a nested render (render()): same budget, one level deeper."""
        state = State(self.renderer, self.functions, source, self.limits, self.timezone, variables)
        state.counters = self.counters
        state.depth = self.depth + 1
        return state

    def all_variables(self) -> dict[str, Any]:
        """Every variable visible at the top of the template, set ones included."""
        return {**self.variables, **self.sets}

    def variable(self, name: str) -> Any:
        return self.sets[name] if name in self.sets else self.variables.get(name)


def state_of(context: Context) -> State:
    return context.vars[STATE_KEY]  # type: ignore[no-any-return]
