"""A small Jinja-based stand-in for executions.templating, used only while it cannot be imported."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import jinja2


class TemplateError(ValueError):
    """Same name as the real templating error, so the engine treats it as a render failure."""


_TERNARY = re.compile(r"\{\{\s*(.+?)\s*\?\s*(.+?)\s*:\s*(.+?)\s*\}\}")
_COALESCE = re.compile(r"\{\{\s*(.+?)\s*\?\?\s*(.+?)\s*\}\}")


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if value is None:
        return ""
    return value


class _Undefined(jinja2.ChainableUndefined):
    """Chains like Pebble (`a.b is defined` with no `a`) but fails when printed or compared."""

    __str__ = jinja2.StrictUndefined.__str__
    __iter__ = jinja2.StrictUndefined.__iter__
    __len__ = jinja2.StrictUndefined.__len__
    __eq__ = jinja2.StrictUndefined.__eq__
    __ne__ = jinja2.StrictUndefined.__ne__
    __bool__ = jinja2.StrictUndefined.__bool__
    __hash__ = jinja2.StrictUndefined.__hash__


class _Env(jinja2.Environment):
    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict):  # map keys first (`values.count` is a key, not a method)
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class StandInRenderer:
    def __init__(self) -> None:
        self.env = _Env(undefined=_Undefined, finalize=_text, autoescape=False)
        self.env.filters["json"] = lambda v: json.dumps(v, separators=(",", ":"))
        self.env.globals["json"] = lambda v: json.loads(v) if isinstance(v, str) else v

    def _pebble(self, template: str) -> str:
        template = _COALESCE.sub(r"{{ (\1) | default(\2) }}", template)
        template = _TERNARY.sub(r"{{ (\2) if (\1) else (\3) }}", template)
        return template.replace(" equals ", " == ")

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        if "{{" not in template and "{%" not in template:
            return template
        try:
            return self.env.from_string(self._pebble(template)).render(**context)
        except jinja2.TemplateError as error:
            raise TemplateError(str(error)) from error

    def render_value(self, value: Any, context: Mapping[str, Any]) -> Any:
        if isinstance(value, str):
            return self.render(value, context)
        if isinstance(value, dict):
            return {
                self.render_value(k, context): self.render_value(v, context)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.render_value(v, context) for v in value]
        return value

    def render_typed(self, template: str, context: Mapping[str, Any]) -> Any:
        return self.render(template, context)

    def is_true(self, template: str, context: Mapping[str, Any]) -> bool:
        return self.render(template, context).strip() not in ("false", "0", "-0", "", "False")
