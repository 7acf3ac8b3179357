"""What a template may never reach: Python internals behind dunder and frame attributes."""

from __future__ import annotations

from executions.templating.errors import SandboxViolation

# Attribute names that lead from a Python object to code, frames, globals or formatting tricks.
BLOCKED_ATTRIBUTES = frozenset(
    {
        "mro", "format", "format_map", "func_globals", "func_code", "func_closure",
        "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "gi_frame", "gi_code",
        "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "tb_frame",
        "tb_next", "im_func", "im_self", "im_class", "co_code", "globals", "builtins",
        "subclasses", "environment", "module",
    }
)  # fmt: skip


def check_name(name: str) -> None:
    """Refuse dunder names anywhere (variables, attributes, keys, functions, filters)."""
    if name.startswith("__") or (name.endswith("__") and len(name) > 2):
        raise SandboxViolation(f"Access to `{name}` is not allowed: templates run in a sandbox")


def check_attribute(name: str) -> None:
    """Refuse internal attribute names on objects that are not plain maps."""
    check_name(name)
    if name.startswith("_") or name in BLOCKED_ATTRIBUTES:
        raise SandboxViolation(f"Access to `{name}` is not allowed: templates run in a sandbox")
