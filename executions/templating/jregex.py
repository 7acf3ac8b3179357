"""Java regular expressions as Python runs them: patterns, ``$1`` replacements, split."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


@lru_cache(maxsize=256)
def compile_java(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex: named groups ``(?<n>...)`` and ``\\z`` translated."""
    return re.compile(_NAMED_GROUP.sub("(?P<", pattern).replace(r"\z", r"\Z"))


@lru_cache(maxsize=256)
def _replacement(replacement: str, groups: int) -> list[str | int]:
    """Java's replacement syntax: ``$1``, ``${name}``, backslash escapes the next char."""
    parts: list[str | int] = []
    literal: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\" and index + 1 < len(replacement):
            literal.append(replacement[index + 1])
            index += 2
            continue
        if char == "$" and index + 1 < len(replacement):
            if replacement[index + 1] == "{":
                end = replacement.index("}", index)
                reference: str | int = replacement[index + 2 : end]
                index = end + 1
            elif replacement[index + 1].isdigit():
                number = int(replacement[index + 1])
                index += 2
                while index < len(replacement) and replacement[index].isdigit():
                    candidate = number * 10 + int(replacement[index])
                    if candidate > groups:
                        break
                    number, index = candidate, index + 1
                reference = number
            else:
                raise ValueError(f"Illegal group reference in replacement: {replacement}")
            parts.append("".join(literal))
            literal = []
            parts.append(reference)
            continue
        literal.append(char)
        index += 1
    parts.append("".join(literal))
    return parts


def replacer(pattern: re.Pattern[str], replacement: str) -> Callable[[re.Match[str]], str]:
    parts = _replacement(replacement, pattern.groups)

    def expand(match: re.Match[str]) -> str:
        chunks = []
        for position, part in enumerate(parts):
            if position % 2:
                chunks.append(match.group(part) or "")
            else:
                chunks.append(str(part))
        return "".join(chunks)

    return expand


def replace_all(text: str, pattern: str, replacement: str, count: int = 0) -> str:
    regex = compile_java(pattern)
    return regex.sub(replacer(regex, replacement), text, count=count)


def split(text: str, pattern: str, limit: int = 0) -> list[str]:
    """String.split: trailing empty strings dropped (limit 0), no captured groups."""
    parts: list[str] = []
    start = 0
    for match in compile_java(pattern).finditer(text):
        if 0 < limit <= len(parts) + 1:
            break
        if match.end() == 0:
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    if not parts:
        return [text]
    parts.append(text[start:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts
