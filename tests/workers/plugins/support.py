"""Helpers for runnable tests that use internal storage: a storage in a tmp dir, a context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage

from executions.templating import Renderer
from kestra_site.storage import InternalStorage
from workers.plugins import RunContext

NAMESPACE = "company.team"
EXECUTION = "exec1"


def make_storage(root: Path) -> InternalStorage:
    return InternalStorage(FileSystemStorage(location=str(root)))


def variables(task_id: str = "t", **extra: Any) -> dict[str, Any]:
    base = {
        "flow": {"id": "flow", "namespace": NAMESPACE},
        "execution": {"id": EXECUTION},
        "task": {"id": task_id},
        "taskrun": {"id": f"run-{task_id}"},
    }
    base.update(extra)
    return base


class Lines(list):
    """(level, message) log lines."""

    def __call__(self, level: str, message: str) -> None:
        self.append((level, message))

    def messages(self, level: str | None = None) -> list[str]:
        return [m for lv, m in self if level is None or lv == level]


def context(task: dict[str, Any], storage: InternalStorage, log: Lines | None = None, **kw):
    task.setdefault("id", "t")
    return RunContext(
        task=task,
        variables=kw.pop("variables", None) or variables(task["id"]),
        renderer=Renderer(),
        log=log if log is not None else Lines(),
        storage=storage,
        **kw,
    )
