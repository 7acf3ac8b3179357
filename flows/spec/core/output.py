"""Output tasks: OutputValues."""

from __future__ import annotations

from typing import Any

from flows.spec.core._common import CORE
from flows.spec.plugins import RunnableTask


class OutputValues(RunnableTask):
    """Expose rendered values as the task outputs `values`."""

    type_names = (CORE + "output.OutputValues",)

    values: dict[str, Any] | None = None
