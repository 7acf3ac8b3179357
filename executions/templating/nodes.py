"""Calls to this package's runtime helpers, expressed with Jinja's own AST nodes."""

from __future__ import annotations

from typing import Any

from jinja2 import nodes

PACKAGE = "executions.templating"
# Helpers whose arguments are passed as thunks, so they can catch a missing variable.
LAZY_HELPERS = frozenset({"coalesce", "undefined_coalesce", "defined"})


def call(helper: str, *args: nodes.Expr, lineno: int, ctx: bool = False) -> nodes.Call:
    """``runtime.<helper>([context,] *args)``; the compiler imports the helper once.

    ``helper`` names a function of the runtime module, or ``module.function`` of the package.
    """
    path = helper if "." in helper else f"runtime.{helper}"
    func = nodes.ImportedName(f"{PACKAGE}.{path}", lineno=lineno)
    arguments: list[nodes.Expr] = [nodes.ContextReference(lineno=lineno)] if ctx else []
    return nodes.Call(func, arguments + list(args), [], None, None, lineno=lineno)


def helper_name(node: nodes.Node) -> str | None:
    """The runtime helper a node calls, if it is one of our calls."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.ImportedName):
        module, _, name = node.node.importname.rpartition(".")
        if module in (f"{PACKAGE}.runtime", f"{PACKAGE}.operators"):
            return name
    return None


def const(value: Any, lineno: int) -> nodes.Const:
    return nodes.Const(value, lineno=lineno)
