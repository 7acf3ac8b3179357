"""Pebble expressions, parsed into Jinja's AST with Pebble's operator precedences."""

from __future__ import annotations

from jinja2 import nodes

from executions.templating import lexer as lx
from executions.templating.errors import SandboxViolation, TemplateError
from executions.templating.lexer import Token
from executions.templating.nodes import call, const, helper_name
from executions.templating.sandbox import check_name

# Pebble 3.2: (precedence, kind); kind is "filter", "test" or "" for a plain binary operator.
_BINARY = {
    "or": (10, ""), "and": (15, ""), "is": (20, "test"), "is not": (20, "test"),
    "contains": (20, ""), "==": (30, ""), "equals": (30, ""), "!=": (30, ""), ">": (30, ""),
    "<": (30, ""), ">=": (30, ""), "<=": (30, ""), "+": (40, ""), "-": (40, ""), "*": (60, ""),
    "/": (60, ""), "%": (60, ""), "|": (100, "filter"), "~": (110, ""), "..": (120, ""),
    "??": (120, ""), "???": (120, ""),
}  # fmt: skip
_UNARY = {"not": 500, "+": 500, "-": 500}
_COMPARISONS = {"==": "eq", "equals": "eq", "!=": "ne"}
RESERVED = {"true", "false", "null", "none"}


class ExpressionParser:
    """A recursive-descent parser over the lexer's tokens: the expression half."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = lx.tokenize(source)
        self.pos = 0
        self.locals: list[set[str]] = [set()]
        self.counter = 0

    # -- tokens ----------------------------------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def next(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != lx.EOF:
            self.pos += 1
        return token

    def error(self, message: str, token: Token | None = None) -> TemplateError:
        lineno = (token or self.current).lineno
        return TemplateError(f"{message} ({self.source}:{lineno})")

    def expect(self, kind: str, value: str | None = None) -> Token:
        token = self.current
        if not token.test(kind, value):
            wanted = f'"{value}"' if value else kind
            raise self.error(f"Unexpected token {token}, expected {wanted}")
        return self.next()

    def check(self, name: str, token: Token) -> str:
        try:
            check_name(name)
        except SandboxViolation as exc:
            raise SandboxViolation(f"{exc} ({self.source}:{token.lineno})") from None
        return name

    # -- expressions ----------------------------------------------------------------------
    def expression(self, min_precedence: int = 0) -> nodes.Expr:
        token = self.current
        node: nodes.Expr
        if token.kind == lx.OPERATOR and token.value in _UNARY:
            self.next()
            node = self.unary(token, self.expression(_UNARY[token.value]))
        elif token.test(lx.PUNCT, "("):
            self.next()
            node = self.expression()
            self.expect(lx.PUNCT, ")")
            node = self.postfix(node)
        elif token.test(lx.PUNCT, "["):
            node = self.postfix(self.array())
        elif token.test(lx.PUNCT, "{"):
            node = self.postfix(self.mapping())
        else:
            node = self.postfix(self.primary())
        while True:
            operator = self.current
            spec = _BINARY.get(operator.value) if operator.kind == lx.OPERATOR else None
            if spec is None or spec[0] < min_precedence:
                break
            self.next()
            if spec[1] == "filter":
                node = self.filter_invocation(node)
            elif spec[1] == "test":
                node = self.test_invocation(node, operator.value == "is not")
            else:
                node = self.binary(operator, node, self.expression(spec[0] + 1))
        if min_precedence == 0 and self.current.test(lx.PUNCT, "?"):
            lineno = self.next().lineno
            yes = self.expression()
            self.expect(lx.PUNCT, ":")
            no = self.expression()
            test = call("ternary_test", node, lineno=lineno)
            node = nodes.CondExpr(test, yes, no, lineno=lineno)
        return node

    def unary(self, token: Token, operand: nodes.Expr) -> nodes.Expr:
        lineno = token.lineno
        if token.value == "-" and isinstance(operand, nodes.Const):
            if isinstance(operand.value, int | float) and not isinstance(operand.value, bool):
                return const(-operand.value, lineno)
        helper = {"not": "not_", "+": "operators.pos", "-": "operators.neg"}[token.value]
        return call(helper, operand, const(lineno, lineno), lineno=lineno)

    def binary(self, token: Token, left: nodes.Expr, right: nodes.Expr) -> nodes.Expr:
        op, lineno = token.value, token.lineno
        line = const(lineno, lineno)
        if op in ("and", "or"):
            pair = [call("bool_op", side, line, lineno=lineno) for side in (left, right)]
            return (nodes.And if op == "and" else nodes.Or)(*pair, lineno=lineno)
        if op in ("??", "???"):
            helper = "coalesce" if op == "??" else "undefined_coalesce"
            return call(helper, left, right, lineno=lineno)
        if op in _COMPARISONS:
            return call("operators." + _COMPARISONS[op], left, right, lineno=lineno)
        if op in ("<", ">", "<=", ">=", "+", "-", "*", "/", "%"):
            return call("operators.operate", const(op, lineno), left, right, line, lineno=lineno)
        helper = {"contains": "operators.contains", "~": "operators.concat", "..": "range_"}[op]
        return call(helper, left, right, line, lineno=lineno, ctx=op == "..")

    def primary(self) -> nodes.Expr:
        token = self.current
        lineno = token.lineno
        if token.kind == lx.NAME:
            self.next()
            if token.value in ("true", "TRUE", "false", "FALSE"):
                return const(token.value.lower() == "true", lineno)
            if token.value in ("null", "NULL", "none", "NONE"):
                return const(None, lineno)
            name = self.check(token.value, token)
            if self.current.test(lx.PUNCT, "("):
                args, kwargs = self.arguments()
                if name in ("block", "parent"):
                    raise self.error(f"The [{name}] function is not supported", token)
                line = const(lineno, lineno)
                return call(
                    "function", const(name, lineno), line, args, kwargs, lineno=lineno, ctx=True
                )
            if any(name in scope for scope in self.locals):
                return nodes.Name(name, "load", lineno=lineno)
            return call(
                "lookup", const(name, lineno), const(lineno, lineno), lineno=lineno, ctx=True
            )
        if token.kind == lx.LONG:
            self.next()
            return const(int(token.value), lineno)
        if token.kind == lx.NUMBER:
            self.next()
            return const(float(token.value) if "." in token.value else int(token.value), lineno)
        if token.kind in (lx.STRING, lx.INTERP_START):
            return self.string()
        raise self.error(f"Unexpected token {token}")

    def string(self) -> nodes.Expr:
        parts: list[nodes.Expr] = []
        previous = ""
        while True:
            token = self.current
            if token.kind == lx.STRING and previous != lx.STRING:
                parts.append(const(self.next().value, token.lineno))
            elif token.kind == lx.INTERP_START:
                self.next()
                parts.append(self.expression())
                self.expect(lx.INTERP_END)
            else:
                break
            previous = token.kind
        node = parts[0]
        for part in parts[1:]:
            line = const(part.lineno, part.lineno)
            node = call("operators.concat", node, part, line, lineno=part.lineno)
        return node

    def postfix(self, node: nodes.Expr) -> nodes.Expr:
        while True:
            token = self.current
            lineno = token.lineno
            line = const(lineno, lineno)
            root = self.root_name(node)
            if token.test(lx.PUNCT, "."):
                self.next()
                name_token = self.current
                if not (name_token.kind == lx.OPERATOR and name_token.value.isalpha()):
                    name_token = self.expect(lx.NAME)  # word operators are names after a dot
                else:
                    self.next()
                name = self.check(name_token.value, name_token)
                if self.current.test(lx.PUNCT, "("):
                    args, kwargs = self.arguments()
                    if kwargs.items:
                        raise self.error("Can not use named arguments when calling a bean method")
                    node = call("method", node, const(name, lineno), args, line, lineno=lineno)
                else:
                    node = call("getattr_", node, const(name, lineno), line, root, lineno=lineno)
            elif token.test(lx.PUNCT, "["):
                self.next()
                key = self.expression()
                if isinstance(key, nodes.Const) and isinstance(key.value, str):
                    self.check(key.value, token)
                self.expect(lx.PUNCT, "]")
                node = call("getattr_", node, key, line, root, lineno=lineno)
            elif token.test(lx.PUNCT, "("):
                raise self.error("Only functions and macros can be called")
            else:
                return node

    @staticmethod
    def root_name(node: nodes.Expr) -> nodes.Const:
        """The variable name when node is a plain variable (Kestra names it in errors)."""
        name = None
        if isinstance(node, nodes.Name):
            name = node.name
        elif helper_name(node) == "lookup":
            name = node.args[1].value  # type: ignore[attr-defined]  # lookup(context, name, line)
        return const(name, node.lineno)

    def arguments(self) -> tuple[nodes.List, nodes.Dict]:
        lineno = self.expect(lx.PUNCT, "(").lineno
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Pair] = []
        while not self.current.test(lx.PUNCT, ")"):
            if args or kwargs:
                self.expect(lx.PUNCT, ",")
            if self.current.kind == lx.NAME and self.peek().test(lx.PUNCT, "="):
                name = self.next()
                self.next()
                key = const(self.check(name.value, name), name.lineno)
                kwargs.append(nodes.Pair(key, self.expression(), lineno=name.lineno))
            elif kwargs:
                raise self.error(
                    "Positional arguments must be declared before any named arguments."
                )
            else:
                args.append(self.expression())
        self.expect(lx.PUNCT, ")")
        return nodes.List(args, lineno=lineno), nodes.Dict(kwargs, lineno=lineno)

    def filter_invocation(self, node: nodes.Expr) -> nodes.Expr:
        token = self.expect(lx.NAME)
        name = self.check(token.value, token)
        lineno = token.lineno
        if self.current.test(lx.PUNCT, "("):
            args, kwargs = self.arguments()
        else:
            args, kwargs = nodes.List([], lineno=lineno), nodes.Dict([], lineno=lineno)
        line = const(lineno, lineno)
        return call(
            "filter_", const(name, lineno), line, node, args, kwargs, lineno=lineno, ctx=True
        )

    def test_invocation(self, node: nodes.Expr, negate: bool) -> nodes.Expr:
        token = self.expect(lx.NAME)
        lineno = token.lineno
        args = (
            self.arguments()[0]
            if self.current.test(lx.PUNCT, "(")
            else nodes.List([], lineno=lineno)
        )
        if token.value == "defined":
            result = call("defined", node, lineno=lineno)
        else:
            name, line = const(token.value, lineno), const(lineno, lineno)
            result = call("test", name, line, node, args, lineno=lineno)
        return nodes.Not(result, lineno=lineno) if negate else result

    def array(self) -> nodes.Expr:
        lineno = self.expect(lx.PUNCT, "[").lineno
        items: list[nodes.Expr] = []
        while not self.current.test(lx.PUNCT, "]"):
            if items:
                self.expect(lx.PUNCT, ",")
            items.append(self.expression())
        self.expect(lx.PUNCT, "]")
        return nodes.List(items, lineno=lineno)

    def mapping(self) -> nodes.Expr:
        lineno = self.expect(lx.PUNCT, "{").lineno
        pairs: list[nodes.Expr] = []
        while not self.current.test(lx.PUNCT, "}"):
            if pairs:
                self.expect(lx.PUNCT, ",")
            key = self.expression()
            self.expect(lx.PUNCT, ":")
            pairs.append(nodes.List([key, self.expression()], lineno=key.lineno))
        self.expect(lx.PUNCT, "}")
        return call(
            "make_map", nodes.List(pairs, lineno=lineno), const(lineno, lineno), lineno=lineno
        )
