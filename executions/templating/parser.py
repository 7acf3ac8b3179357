"""Pebble templates (text, prints and tags), parsed into Jinja's AST."""

from __future__ import annotations

from jinja2 import nodes

from executions.templating import lexer as lx
from executions.templating.expressions import RESERVED, ExpressionParser
from executions.templating.lexer import Token
from executions.templating.nodes import call, const

_UNSUPPORTED_TAGS = {"block", "extends", "include", "import", "from", "embed", "autoescape"}
_UNSUPPORTED_TAGS |= {"cache", "parallel", "flush"}


class Parser(ExpressionParser):
    """Statements: if/elseif/else, for/else, set, macro, filter."""

    def parse(self) -> nodes.Template:
        body = self.subparse(())
        return nodes.Template(body, lineno=1)

    def subparse(self, end_tags: tuple[str, ...]) -> list[nodes.Node]:
        body: list[nodes.Node] = []
        while True:
            token = self.current
            if token.kind == lx.EOF:
                if end_tags:
                    raise self.error(f"Unexpected end of template, expected {end_tags[-1]}")
                return body
            if token.kind == lx.TEXT:
                self.next()
                body.append(nodes.Output([nodes.TemplateData(token.value)], lineno=token.lineno))
            elif token.kind == lx.PRINT_START:
                self.next()
                expression = self.expression()
                self.expect(lx.PRINT_END)
                output = call("output", expression, lineno=token.lineno, ctx=True)
                body.append(nodes.Output([output], lineno=token.lineno))
            else:
                tag = self.peek()
                if tag.kind == lx.NAME and tag.value in end_tags:
                    return body
                self.expect(lx.EXEC_START)
                body.extend(self.statement())

    def end_tag(self, *names: str) -> str:
        """Consume ``{% name %}`` where name is one of names."""
        self.expect(lx.EXEC_START)
        token = self.expect(lx.NAME)
        if token.value not in names:
            raise self.error(f"Unexpected tag {token}, expected {names[0]}", token)
        return token.value

    def statement(self) -> list[nodes.Node]:
        token = self.expect(lx.NAME)
        handler = getattr(self, f"parse_{token.value}", None)
        if token.value in ("if", "for", "set", "macro", "filter") and handler:
            statements: list[nodes.Node] = handler(token)
            return statements
        if token.value in _UNSUPPORTED_TAGS:
            raise self.error(f"The [{token.value}] tag is not supported", token)
        raise self.error(f"Unexpected tag name [{token.value}]", token)

    def parse_if(self, token: Token) -> list[nodes.Node]:
        ends = ("elseif", "elif", "else", "endif")
        test = self.condition(self.expression(), token.lineno)
        self.expect(lx.EXEC_END)
        root = nodes.If(test, self.subparse(ends), [], [], lineno=token.lineno)
        while True:
            tag = self.end_tag(*ends)
            if tag in ("elseif", "elif"):
                lineno = self.current.lineno
                test = self.condition(self.expression(), lineno)
                self.expect(lx.EXEC_END)
                root.elif_.append(nodes.If(test, self.subparse(ends), [], [], lineno=lineno))
                continue
            self.expect(lx.EXEC_END)
            if tag == "else":
                root.else_ = self.subparse(("endif",))
                self.end_tag("endif")
                self.expect(lx.EXEC_END)
            return [root]

    def condition(self, expression: nodes.Expr, lineno: int) -> nodes.Expr:
        return call("if_test", expression, const(lineno, lineno), lineno=lineno)

    def parse_for(self, token: Token) -> list[nodes.Node]:
        name = self.new_variable()
        self.expect(lx.NAME, "in")
        iterable = self.expression()
        self.expect(lx.EXEC_END)
        self.locals.append({name, "loop"})
        body = self.subparse(("else", "endfor"))
        self.locals.pop()
        else_: list[nodes.Node] = []
        if self.end_tag("else", "endfor") == "else":
            self.expect(lx.EXEC_END)
            else_ = self.subparse(("endfor",))
            self.end_tag("endfor")
        self.expect(lx.EXEC_END)
        lineno = token.lineno
        source = call("iterate", iterable, const(lineno, lineno), lineno=lineno, ctx=True)
        target = nodes.Name(name, "store", lineno=lineno)
        return [nodes.For(target, source, body, else_, None, False, lineno=lineno)]

    def new_variable(self) -> str:
        token = self.expect(lx.NAME)
        if token.value in RESERVED:
            raise self.error(f"Can not assign a value to {token.value}", token)
        return self.check(token.value, token)

    def parse_set(self, token: Token) -> list[nodes.Node]:
        name = self.new_variable()
        self.expect(lx.PUNCT, "=")
        value = self.expression()
        self.expect(lx.EXEC_END)
        lineno = token.lineno
        if any(name in scope for scope in self.locals):  # a loop variable or macro parameter
            return [nodes.Assign(nodes.Name(name, "store", lineno=lineno), value, lineno=lineno)]
        assign = call("set_var", const(name, lineno), value, lineno=lineno, ctx=True)
        return [nodes.ExprStmt(assign, lineno=lineno)]

    def parse_macro(self, token: Token) -> list[nodes.Node]:
        name = self.new_variable()
        self.expect(lx.PUNCT, "(")
        params: list[nodes.Name] = []
        defaults: list[nodes.Expr] = []
        while not self.current.test(lx.PUNCT, ")"):
            if params:
                self.expect(lx.PUNCT, ",")
            params.append(nodes.Name(self.new_variable(), "param", lineno=token.lineno))
            if self.current.test(lx.PUNCT, "="):
                self.next()
                defaults.append(self.expression())
            elif defaults:
                raise self.error("A macro parameter without default follows one with a default")
        self.expect(lx.PUNCT, ")")
        self.expect(lx.EXEC_END)
        self.locals.append({param.name for param in params})
        body = self.subparse(("endmacro",))
        self.locals.pop()
        self.end_tag("endmacro")
        if self.current.kind == lx.NAME:
            self.next()
        self.expect(lx.EXEC_END)
        return [nodes.Macro(name, params, defaults, body, lineno=token.lineno)]

    def parse_filter(self, token: Token) -> list[nodes.Node]:
        self.counter += 1
        lineno = token.lineno
        variable = f"_pebble_filter_{self.counter}"
        chain: nodes.Expr = nodes.Name(variable, "load", lineno=lineno)
        chain = self.filter_invocation(chain)
        while self.current.test(lx.OPERATOR, "|"):
            self.next()
            chain = self.filter_invocation(chain)
        self.expect(lx.EXEC_END)
        body = self.subparse(("endfilter",))
        self.end_tag("endfilter")
        self.expect(lx.EXEC_END)
        target = nodes.Name(variable, "store", lineno=lineno)
        output = nodes.Output([call("output", chain, lineno=lineno, ctx=True)], lineno=lineno)
        return [nodes.AssignBlock(target, None, body, lineno=lineno), output]

    # -- expressions -----------------------------------------------------------------------


def parse(source: str) -> nodes.Template:
    """Parse a Pebble template into a Jinja template node."""
    return Parser(source).parse()
