"""Kestra's expression language (Pebble) on Jinja2's sandbox: render strings and values."""

from executions.templating.errors import SandboxViolation, TemplateError
from executions.templating.renderer import Functions, Renderer, render
from executions.templating.state import Limits

__all__ = ["Functions", "Limits", "Renderer", "SandboxViolation", "TemplateError", "render"]
