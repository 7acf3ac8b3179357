"""Structured data filters: toJson, jq, yaml (written as Kestra's Jackson writers do)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import jq

from executions.templating.errors import RenderError, SandboxViolation
from executions.templating.registry import register_filter
from executions.templating.state import State
from executions.templating.values import iso_datetime, java_double, java_str, to_json, to_plain

# jq builtins that read the process environment, files or stdin: never from a template.
_JQ_FORBIDDEN = re.compile(
    r"\$ENV|\$__loc__|\$__prog_args|(?<![.\w$])(?:env|input|inputs|input_filename|"
    r"input_line_number|debug|stderr|halt|halt_error|get_search_list|import|include|"
    r"modulemeta|get_prog_origin|get_jq_origin|splits_file)(?![\w])"
)
_JQ_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@register_filter("toJson", "json", state=True)
def to_json_filter(state: State, value: Any) -> str:
    return "null" if value is None else to_json(value, state.limits.max_output)


@lru_cache(maxsize=256)
def _jq_program(expression: str) -> Any:
    if _JQ_FORBIDDEN.search(_JQ_STRING.sub('""', expression)):
        raise SandboxViolation(
            f"The jq expression '{expression}' uses a builtin that is not allowed"
        )
    try:
        return jq.compile(expression)
    except ValueError as exc:
        raise RenderError(f"Invalid jq expression '{expression}': {exc}") from None


@register_filter("jq")
def jq_filter(value: Any, expression: str | None = None) -> Any:
    """Apply a jq expression; the result is always the list of everything it outputs."""
    if value is None:
        return None
    if expression is None:
        raise RenderError("The 'jq' filter expects an argument 'expression'.")
    program = _jq_program(expression)
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            raise RenderError(
                f"Unable to parse jq value '{value}' with type 'java.lang.String'"
            ) from None
    else:
        data = to_plain(value)
    try:
        return program.input_value(data).all()
    except ValueError as exc:
        raise RenderError(
            f"Failed to resolve JQ expression '{expression}' and value '{java_str(value)}': {exc}"
        ) from None


_YAML_RESERVED = re.compile(r"(?i:true|false|yes|no|on|off|y|n|null|~)")
_YAML_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*")


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, int):
        return str(value)
    text = iso_datetime(value) if isinstance(value, datetime) else java_str(value)
    plain = _YAML_PLAIN.fullmatch(text) and not _YAML_RESERVED.fullmatch(text)
    if plain and ": " not in text and " #" not in text and not text.endswith((" ", ":")):
        return text
    return json.dumps(text, ensure_ascii=False)


def _yaml_lines(value: Any, indent: int) -> list[str]:
    """Block YAML with sequences indented by one space (Jackson's INDENT_ARRAYS)."""
    pad = " " * indent
    if isinstance(value, Mapping) and value:
        lines = []
        for key, item in value.items():
            name = _yaml_scalar(java_str(key))
            if isinstance(item, Mapping | list | tuple | set | frozenset) and item:
                lines.append(f"{pad}{name}:")
                lines.extend(_yaml_lines(item, indent + (2 if isinstance(item, Mapping) else 0)))
            else:
                lines.append(f"{pad}{name}: {_yaml_inline(item)}")
        return lines
    if isinstance(value, list | tuple | set | frozenset) and value:
        lines = []
        for item in value:
            nested = (
                _yaml_lines(item, indent + 3)
                if isinstance(item, Mapping | list | tuple) and item
                else []
            )
            if nested:
                lines.append(f"{pad} - {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad} - {_yaml_inline(item)}")
        return lines
    return [pad + _yaml_inline(value)]


def _yaml_inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[]"
    return _yaml_scalar(value)


@register_filter("yaml", state=True)
def yaml_filter(state: State, value: Any) -> str:
    if value is None:
        return "null"
    text = "\n".join(_yaml_lines(value, 0)) + "\n"
    if len(text) > state.limits.max_output:
        raise RenderError("The YAML document exceeds the output size limit")
    return text
