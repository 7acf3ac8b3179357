"""Debug tasks: Return (a rendered value as output) and the deprecated Echo."""

from __future__ import annotations

from flows.spec.core._common import CORE, LEGACY
from flows.spec.plugins import RunnableTask
from flows.spec.types import Level, Text


class Return(RunnableTask):
    """Render a value and expose it as the task output `value`."""

    type_names = (CORE + "debug.Return", LEGACY + "debugs.Return")

    format: Text | None = None


class Echo(RunnableTask):
    """Deprecated: log a rendered message (use log.Log)."""

    type_names = (CORE + "debug.Echo", LEGACY + "debugs.Echo")
    deprecated = True

    format: Text
    level: Level = Level.INFO
