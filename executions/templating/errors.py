"""Exceptions raised while compiling or rendering a template."""

from __future__ import annotations


class TemplateError(Exception):
    """A template failed to compile or render; the message says what and where."""


class SandboxViolation(TemplateError):
    """A template tried to reach something outside the sandbox."""


class AttributeNotFound(TemplateError):
    """Pebble's AttributeNotFoundException: a missing variable, key, index or null parent.

    Raised inside a render with the bare attribute name; the renderer turns it into Kestra's
    message. ``??``, ``???`` and ``is defined`` catch it, as Pebble does.
    """

    def __init__(self, name: str, lineno: int | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.lineno = lineno


class RenderError(TemplateError):
    """An error raised while evaluating, carrying the template line it happened on."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
