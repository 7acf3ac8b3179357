"""State store tasks (deprecated in favour of KV): Get, Set, Delete."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from flows.spec.core._common import CORE, LEGACY
from flows.spec.plugins import RunnableTask
from flows.spec.types import Dynamic, Text


class StateTask(RunnableTask):
    """What the state tasks share: which state file, and its scope."""

    name: Text = "default"
    namespace: Dynamic[bool] = False
    taskrun_value: Dynamic[bool] = Field(True, alias="taskrunValue")


class Get(StateTask):
    """Read a state file."""

    type_names = (CORE + "state.Get", LEGACY + "states.Get")

    error_on_missing: Dynamic[bool] = Field(False, alias="errorOnMissing")


class Set(StateTask):
    """Merge data into a state file."""

    type_names = (CORE + "state.Set", LEGACY + "states.Set")

    data: dict[str, Any] | None = None


class Delete(StateTask):
    """Delete a state file."""

    type_names = (CORE + "state.Delete", LEGACY + "states.Delete")

    error_on_missing: Dynamic[bool] = Field(False, alias="errorOnMissing")
