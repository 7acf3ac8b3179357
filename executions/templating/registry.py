"""Where filters and functions register themselves, by their Pebble names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Entry:
    func: Callable[..., Any]
    needs_state: bool


FILTERS: dict[str, Entry] = {}
FUNCTIONS: dict[str, Entry] = {}


def register_filter(*names: str, state: bool = False) -> Callable[[_F], _F]:
    """Register a filter ``f(value, *args)``; with state, ``f(state, value, *args)``."""

    def decorate(func: _F) -> _F:
        for name in names:
            FILTERS[name] = Entry(func, state)
        return func

    return decorate


def register_function(*names: str) -> Callable[[_F], _F]:
    """Register a function ``f(state, *args)``."""

    def decorate(func: _F) -> _F:
        for name in names:
            FUNCTIONS[name] = Entry(func, True)
        return func

    return decorate
