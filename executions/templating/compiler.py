"""Compile Pebble source to Python with Jinja's code generator, in a sandboxed environment."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NoReturn

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment

from executions.templating.errors import SandboxViolation, TemplateError
from executions.templating.nodes import LAZY_HELPERS, call, helper_name
from executions.templating.parser import parse

TEMPLATE_CACHE_SIZE = 2048


class _PebbleCodeGenerator(CodeGenerator):
    """Jinja's generator; calls to our runtime become direct ``t_1(context, lambda: a)``."""

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        helper = helper_name(node)
        if helper is None:
            raise SandboxViolation("Only the Pebble runtime can be called from a template")
        self.visit(node.node, frame)
        self.write("(")
        for index, arg in enumerate(node.args):
            if index:
                self.write(", ")
            if helper in LAZY_HELPERS and not isinstance(arg, nodes.ContextReference):
                self.write("lambda: ")
            self.visit(arg, frame)
        self.write(")")


class PebbleEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with nothing reachable but our runtime helpers.

    Compiled Pebble code never uses Jinja's attribute, item or call nodes (our parser emits
    calls to the runtime instead), so the overrides below only guard against a slip.
    """

    code_generator_class = _PebbleCodeGenerator

    def __init__(self) -> None:
        super().__init__(autoescape=False, keep_trailing_newline=True, optimized=False)
        self.globals.clear()
        self.filters.clear()
        self.tests.clear()

    def getattr(self, obj: Any, attribute: str) -> NoReturn:
        raise SandboxViolation(
            f"Access to `{attribute}` is not allowed: templates run in a sandbox"
        )

    def getitem(self, obj: Any, argument: Any) -> NoReturn:
        raise SandboxViolation("Item access outside the Pebble runtime is not allowed")

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise SandboxViolation("Calls outside the Pebble runtime are not allowed")


ENVIRONMENT = PebbleEnvironment()


def _build(tree: nodes.Template) -> Template:
    tree.set_environment(ENVIRONMENT)
    try:
        return ENVIRONMENT.from_string(tree)
    except TemplateError:
        raise
    except Exception as exc:  # Jinja's own checks (e.g. a macro named like a builtin)
        raise TemplateError(f"Unable to compile the template: {exc}") from None


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def compile_template(source: str) -> Template:
    """The compiled template for a Pebble source (LRU-cached)."""
    return _build(parse(source))


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def compile_typed(source: str) -> Template | None:
    """A template storing the value of a lone ``{{ expr }}``; None if source is more than that."""
    tree = parse(source)
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    outputs = tree.body[0].nodes
    if len(outputs) != 1 or helper_name(outputs[0]) != "output":
        return None
    expression = outputs[0].args[1]  # type: ignore[attr-defined]  # output(context, expression)
    store = call("set_result", expression, lineno=expression.lineno, ctx=True)
    return _build(nodes.Template([nodes.ExprStmt(store, lineno=1)], lineno=1))
