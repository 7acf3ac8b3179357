"""Templating tasks: TemplatedTask (a task spec rendered at run time)."""

from __future__ import annotations

from flows.spec.core._common import CORE, LEGACY
from flows.spec.plugins import RunnableTask
from flows.spec.types import Text


class TemplatedTask(RunnableTask):
    """Render a YAML task specification, then run the task it describes."""

    type_names = (CORE + "templating.TemplatedTask", LEGACY + "templating.TemplatedTask")

    spec: Text
