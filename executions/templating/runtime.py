"""What compiled templates call: lookups, attributes, Pebble's operators, tests, filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2.runtime import Context, LoopContext, Macro, Undefined

from executions.templating import filters as _filters  # noqa: F401  (registers filters)
from executions.templating import functions as _functions  # noqa: F401  (registers functions)
from executions.templating import members, predicates
from executions.templating.errors import AttributeNotFound, RenderError, TemplateError
from executions.templating.registry import FILTERS, FUNCTIONS
from executions.templating.sandbox import check_attribute, check_name
from executions.templating.state import state_of
from executions.templating.values import Entry, is_number, java_str, to_bool, to_output

_MISSING = object()
_LOOP_ATTRIBUTES = {"index": "index0", "revindex": "revindex0", "first": "first", "last": "last"}
_LOOP_ATTRIBUTES["length"] = "length"


def _plain(value: Any) -> Any:
    return None if isinstance(value, Undefined) else value


def lookup(context: Context, name: str, lineno: int) -> Any:
    sets = state_of(context).sets
    if name in sets:
        return sets[name]
    value = context.parent.get(name, _MISSING)
    if value is _MISSING:
        raise AttributeNotFound(name, lineno)
    return value


def set_var(context: Context, name: str, value: Any) -> None:
    state_of(context).sets[name] = value


def output(context: Context, value: Any) -> str:
    return to_output(_plain(value), state_of(context).limits.max_output)


def set_result(context: Context, value: Any) -> None:
    state_of(context).result = _plain(value)


def getattr_(obj: Any, key: Any, lineno: int, root: str | None) -> Any:
    """Pebble's attribute resolution: map key, list index, loop variable, Java property."""
    obj = _plain(obj)
    if obj is None:
        raise AttributeNotFound(root if root is not None else java_str(key), lineno)
    if isinstance(key, str):
        check_name(key)
    if isinstance(obj, Mapping):
        try:
            if key in obj:
                return obj[key]
            if is_number(key) and key == int(key) and str(int(key)) in obj:
                return obj[str(int(key))]
        except TypeError:
            pass
        raise AttributeNotFound(java_str(key), lineno)
    if isinstance(obj, list | tuple):
        text = java_str(key)
        if text.lstrip("-").isdigit():
            index = int(text)
            if 0 <= index < len(obj):
                return obj[index]
            raise AttributeNotFound(text, lineno)
    if isinstance(obj, LoopContext) and key in _LOOP_ATTRIBUTES:
        return getattr(obj, _LOOP_ATTRIBUTES[key])
    if isinstance(obj, Entry) and key in ("key", "value"):
        return obj.key if key == "key" else obj.value
    name = java_str(key)
    check_attribute(name)
    return members.get_property(obj, name, lineno)


def method(obj: Any, name: str, args: list[Any], lineno: int) -> Any:
    obj = _plain(obj)
    if obj is None:
        raise AttributeNotFound(name, lineno)
    check_attribute(name)
    return _guard(lambda: members.call_method(obj, name, args, lineno), f"method {name}", lineno)


def _guard(action: Callable[[], Any], what: str, lineno: int) -> Any:
    try:
        return action()
    except AttributeNotFound:
        raise
    except TemplateError as exc:
        if isinstance(exc, RenderError) and exc.lineno is None:
            exc.lineno = lineno
        raise
    except RecursionError:
        raise RenderError(f"Too deep recursion in {what}", lineno) from None
    except TypeError as exc:
        raise RenderError(f"Invalid arguments for {what}: {exc}", lineno) from None
    except Exception as exc:  # a filter or function failed: report it as Pebble does
        raise RenderError(f"{what} failed: {exc}", lineno) from None


def filter_(
    context: Context, name: str, lineno: int, value: Any, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    entry = FILTERS.get(name)
    if entry is None:
        raise RenderError(f"Filter [{name}] does not exist.", lineno)
    args = [_plain(arg) for arg in args]
    value = _plain(value)
    if entry.needs_state:
        state = state_of(context)
        return _guard(lambda: entry.func(state, value, *args, **kwargs), f"filter {name}", lineno)
    return _guard(lambda: entry.func(value, *args, **kwargs), f"filter {name}", lineno)


def function(
    context: Context, name: str, lineno: int, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    entry = FUNCTIONS.get(name)
    args = [_plain(arg) for arg in args]
    if entry is not None:
        state = state_of(context)
        return _guard(lambda: entry.func(state, *args, **kwargs), f"function {name}", lineno)
    macro = context.vars.get(name)
    if isinstance(macro, Macro):
        return _guard(lambda: macro(*args, **kwargs), f"macro {name}", lineno)
    raise RenderError(f"Function or Macro [{name}] does not exist.", lineno)


def test(name: str, lineno: int, value: Any, args: list[Any]) -> bool:
    check = predicates.TESTS.get(name)
    if check is None:
        raise RenderError(f"Test [{name}] does not exist.", lineno)
    return _guard(lambda: check(_plain(value), *args), f"test {name}", lineno)  # type: ignore[no-any-return]


def defined(thunk: Callable[[], Any]) -> bool:
    try:
        return _plain(thunk()) is not None
    except AttributeNotFound:
        return False


def coalesce(left: Callable[[], Any], right: Callable[[], Any]) -> Any:
    """``??``: the left value unless it is null or undefined."""
    try:
        value = _plain(left())
    except AttributeNotFound:
        return right()
    return right() if value is None else value


def undefined_coalesce(left: Callable[[], Any], right: Callable[[], Any]) -> Any:
    """``???``: the left value unless it is undefined (null stays null)."""
    try:
        return left()
    except AttributeNotFound:
        return right()


def iterate(context: Context, value: Any, lineno: int) -> Any:
    value = _plain(value)
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items: Any = [Entry(key, item) for key, item in value.items()]
    elif isinstance(value, list | tuple | set | frozenset | range):
        items = value
    else:
        raise RenderError(f"Not an iterable object. Value = [{java_str(value)}]", lineno)
    return _budgeted(items, state_of(context).counters, state_of(context).limits.max_iterations)


def _budgeted(items: Any, counters: list[int], limit: int) -> Any:
    for item in items:
        counters[0] += 1
        if counters[0] > limit:
            raise RenderError(f"Too many loop iterations (more than {limit})")
        yield item


def if_test(value: Any, lineno: int) -> bool:
    return _guard(lambda: to_bool(_plain(value), '"if" statement'), "if", lineno)  # type: ignore[no-any-return]


def ternary_test(value: Any) -> bool:
    return to_bool(_plain(value), "ternary operator", null_is_false=True)


def bool_op(value: Any, lineno: int) -> bool:
    return _guard(lambda: to_bool(_plain(value), "and/or operator"), "and/or", lineno)  # type: ignore[no-any-return]


def not_(value: Any, lineno: int) -> bool:
    return not _guard(lambda: to_bool(_plain(value), "not()"), "not", lineno)


def range_(context: Context, start: Any, end: Any, lineno: int) -> list[Any]:
    entry = FUNCTIONS["range"]
    return _guard(lambda: entry.func(state_of(context), start, end), "range", lineno)  # type: ignore[no-any-return]


def make_map(pairs: list[list[Any]], lineno: int) -> dict[Any, Any]:
    try:
        return {_plain(key): _plain(value) for key, value in pairs}
    except TypeError:
        raise RenderError("Map keys must be strings, numbers or booleans", lineno) from None
