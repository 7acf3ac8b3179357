"""The search backend interface and the buckets statistics are built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from kestra_site.query import Search

# Groupings of the execution statistics: by nothing, namespace, or namespace and flow.
GROUPS = {"": (), "namespace": ("namespace",), "flow": ("namespace", "flowId")}


@dataclass(frozen=True)
class StateBucket:
    group: tuple[str, ...]
    day: date
    state: str
    count: int


@dataclass(frozen=True)
class DurationBucket:
    group: tuple[str, ...]
    day: date
    count: int
    min: float
    max: float
    sum: float


class SearchBackend(Protocol):
    name: str

    def flow_search(self, search: Search) -> tuple[list, int]: ...

    def flow_source_search(self, search: Search, q: str) -> tuple[list, int]: ...

    def execution_search(self, search: Search) -> tuple[list, int]: ...

    def task_run_search(self, search: Search) -> tuple[list, int]: ...

    def log_search(self, search: Search) -> tuple[list, int]: ...

    def execution_buckets(
        self, search: Search, *, task_runs: bool, group: str
    ) -> tuple[list[StateBucket], list[DurationBucket]]: ...

    def log_buckets(self, search: Search) -> list[tuple[date, str, int]]: ...
