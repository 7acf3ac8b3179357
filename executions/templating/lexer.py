"""Pebble's lexer: text, ``{{ }}``, ``{% %}``, ``{# #}``, whitespace control and tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from executions.templating.errors import TemplateError

_WORD_OPERATORS = ("contains", "equals", "and", "not", "or", "is")
_SYMBOL_OPERATORS = "??? == != >= <= .. ?? > < + - * / % | ~".split()
_OPERATOR_RE = re.compile(
    r"is\s+not(?![A-Za-z0-9_])|"
    + "|".join(f"{word}(?![A-Za-z0-9_])" for word in _WORD_OPERATORS)
    + "|"
    + "|".join(re.escape(op) for op in _SYMBOL_OPERATORS)
)
_NAME_RE = re.compile(r"[^\W\d]\w*")
_LONG_RE = re.compile(r"[0-9]+L")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_SINGLE_QUOTED_RE = re.compile(r"'([^'\\]*(?:\\.[^'\\]*)*)'", re.S)
_DOUBLE_PART_RE = re.compile(r'[^#"\\]*(?:(?:\\.|#(?!\{))[^#"\\]*)*', re.S)
_WHITESPACE_RE = re.compile(r"\s*")
_START_RE = re.compile(r"\{[{%#]")
_VERBATIM_START_RE = re.compile(r"(-?)\s*(verbatim|raw)\s*(-?)%}")
_VERBATIM_END_RE = re.compile(r"\{%(-?)\s*end(?:verbatim|raw)\s*(-?)%}")
_COMMENT_END_RE = re.compile(r"(-?)#}")
_PUNCTUATION = "()[]{}?:.,|="
_CLOSERS = {"(": ")", "[": "]", "{": "}"}

TEXT, PRINT_START, PRINT_END, EXEC_START, EXEC_END = "text", "{{", "}}", "{%", "%}"
NAME, NUMBER, LONG, STRING, OPERATOR, PUNCT = "name", "number", "long", "string", "op", "punct"
INTERP_START, INTERP_END, EOF = "#{", "#}", "eof"


@dataclass(slots=True)
class Token:
    kind: str
    value: str
    lineno: int

    def test(self, kind: str, value: str | None = None) -> bool:
        return self.kind == kind and (value is None or self.value == value)

    def __str__(self) -> str:
        return {EOF: "end of template", TEXT: "text"}.get(self.kind, f'"{self.value}"')


def _unescape(text: str, quote: str) -> str:
    """Pebble only unescapes the quote character; other backslashes stay as written."""
    return text.replace("\\" + quote, quote)


class Lexer:
    """Turns one template source into a flat list of tokens."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.lineno = 1
        self.tokens: list[Token] = []
        self.trim_next = False

    def error(self, message: str) -> TemplateError:
        return TemplateError(f"{message} ({self.source}:{self.lineno})")

    def advance(self, end: int) -> str:
        text = self.source[self.pos : end]
        self.lineno += text.count("\n")
        self.pos = end
        return text

    def push(self, kind: str, value: str = "", lineno: int | None = None) -> None:
        self.tokens.append(Token(kind, value, self.lineno if lineno is None else lineno))

    def push_text(self, text: str, lineno: int) -> None:
        if self.trim_next:
            text = text.lstrip()
            self.trim_next = False
        if text:
            self.push(TEXT, text, lineno)

    def tokenize(self) -> list[Token]:
        while self.pos < len(self.source):
            self.data()
        self.push(EOF)
        return self.tokens

    def data(self) -> None:
        lineno = self.lineno
        match = _START_RE.search(self.source, self.pos)
        end = match.start() if match else len(self.source)
        self.push_text(self.advance(end), lineno)
        if not match:
            return
        delimiter = self.advance(end + 2)
        if self.source.startswith("-", self.pos):
            self.advance(self.pos + 1)
            if self.tokens and self.tokens[-1].kind == TEXT:
                self.tokens[-1].value = self.tokens[-1].value.rstrip()
                if not self.tokens[-1].value:
                    self.tokens.pop()
        if delimiter == "{#":
            self.comment()
        elif delimiter == "{{":
            self.push(PRINT_START)
            self.expression("}}", PRINT_END)
        elif not self.verbatim():
            self.push(EXEC_START)
            self.expression("%}", EXEC_END)

    def comment(self) -> None:
        match = _COMMENT_END_RE.search(self.source, self.pos)
        if not match:
            raise self.error("Unclosed comment.")
        self.advance(match.end())
        self.trim_next = bool(match.group(1))

    def verbatim(self) -> bool:
        start = _VERBATIM_START_RE.match(self.source, self.pos)
        if not start:
            return False
        self.advance(start.end())
        end = _VERBATIM_END_RE.search(self.source, self.pos)
        if not end:
            raise self.error(f"Unclosed {start.group(2)} tag.")
        lineno = self.lineno
        text = self.advance(end.start())
        text = text.lstrip() if start.group(3) else text
        text = text.rstrip() if end.group(1) else text
        self.advance(end.end())
        if text:
            self.push(TEXT, text, lineno)
        self.trim_next = bool(end.group(2))
        return True

    def expression(self, closer: str, kind: str) -> None:
        brackets: list[str] = []
        while True:
            self.advance(_WHITESPACE_RE.match(self.source, self.pos).end())  # type: ignore[union-attr]
            if self.pos >= len(self.source):
                raise self.error(f'Unclosed "{brackets[-1] if brackets else closer}"')
            if not brackets:
                if self.source.startswith("-" + closer, self.pos):
                    self.advance(self.pos + 1 + len(closer))
                    self.trim_next = True
                    self.push(kind, closer)
                    return
                if self.source.startswith(closer, self.pos):
                    self.advance(self.pos + len(closer))
                    self.push(kind, closer)
                    return
            self.token(brackets)

    def token(self, brackets: list[str]) -> None:
        source, pos = self.source, self.pos
        for regex, kind in ((_OPERATOR_RE, OPERATOR), (_NAME_RE, NAME), (_LONG_RE, LONG)):
            match = regex.match(source, pos)
            if match:
                value = self.advance(match.end())
                value = (
                    "is not"
                    if kind == OPERATOR and value.startswith("is") and value != "is"
                    else value
                )
                self.push(kind, value[:-1] if kind == LONG else value)
                return
        match = _NUMBER_RE.match(source, pos)
        if match:
            self.push(NUMBER, self.advance(match.end()))
            return
        char = source[pos]
        if char in _PUNCTUATION:
            self.punctuation(char, brackets)
        elif char == "'":
            match = _SINGLE_QUOTED_RE.match(source, pos)
            if not match:
                raise self.error('Unclosed "\'"')
            lineno = self.lineno
            self.advance(match.end())
            self.push(STRING, _unescape(match.group(1), "'"), lineno)
        elif char == '"':
            self.double_quoted()
        else:
            raise self.error(f"Unexpected character [{char}]")

    def punctuation(self, char: str, brackets: list[str]) -> None:
        if char in _CLOSERS:
            brackets.append(char)
        elif char in ")]}":
            if not brackets:
                raise self.error(f'Unexpected "{char}"')
            expected = _CLOSERS[brackets.pop()]
            if expected != char:
                raise self.error(f'Unclosed "{expected}"')
        self.advance(self.pos + 1)
        self.push(PUNCT, char)

    def double_quoted(self) -> None:
        """A double-quoted string, possibly with ``#{ expression }`` interpolations."""
        lineno = self.lineno
        self.advance(self.pos + 1)
        parts = 0
        while True:
            match = _DOUBLE_PART_RE.match(self.source, self.pos)
            text = self.advance(match.end()) if match else ""
            if text or (parts == 0 and self.source.startswith('"', self.pos)):
                self.push(STRING, _unescape(text, '"'), lineno)
                parts += 1
            if self.source.startswith('"', self.pos):
                self.advance(self.pos + 1)
                return
            if not self.source.startswith("#{", self.pos):
                raise self.error('Unclosed """')
            self.advance(self.pos + 2)
            self.push(INTERP_START)
            self.interpolation()
            parts += 1

    def interpolation(self) -> None:
        brackets: list[str] = []
        while True:
            self.advance(_WHITESPACE_RE.match(self.source, self.pos).end())  # type: ignore[union-attr]
            if self.pos >= len(self.source):
                raise self.error('Unclosed "#{"')
            if not brackets and self.source.startswith("}", self.pos):
                self.advance(self.pos + 1)
                self.push(INTERP_END)
                return
            self.token(brackets)


def tokenize(source: str) -> list[Token]:
    """Tokenize a Pebble template."""
    return Lexer(source).tokenize()
