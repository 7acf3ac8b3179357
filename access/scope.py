"""Search and statistics kept to the namespaces a user may read, whichever backend answers."""

from __future__ import annotations

from dataclasses import replace

from access.drf import rights
from access.rules import READ, scope_value
from kestra_site.query import PREFIX_IN, Search


class ScopedBackend:
    """A search backend whose every search and statistic is kept to the namespaces the user
    may read: a `namespace PREFIX_IN` filter added to the request (none for full rights)."""

    def __init__(self, backend, prefixes: tuple[str, ...] | None) -> None:
        self.backend = backend
        self.prefixes = prefixes
        self.name = backend.name

    def _scoped(self, search: Search) -> Search:
        if self.prefixes is None or "" in self.prefixes:
            return search
        scope = ("namespace", PREFIX_IN, scope_value(self.prefixes))
        return replace(search, filters=[*search.filters, scope])

    def flow_search(self, search: Search):
        return self.backend.flow_search(self._scoped(search))

    def flow_source_search(self, search: Search, q: str):
        return self.backend.flow_source_search(self._scoped(search), q)

    def execution_search(self, search: Search):
        return self.backend.execution_search(self._scoped(search))

    def task_run_search(self, search: Search):
        return self.backend.task_run_search(self._scoped(search))

    def log_search(self, search: Search):
        return self.backend.log_search(self._scoped(search))

    def execution_buckets(self, search: Search, *, task_runs: bool, group: str):
        return self.backend.execution_buckets(
            self._scoped(search), task_runs=task_runs, group=group
        )

    def log_buckets(self, search: Search):
        return self.backend.log_buckets(self._scoped(search))


def scoped_backend(request, action: str = READ) -> ScopedBackend:
    """The configured search backend, kept to what the request's user may `action` on."""
    from indexer.backends import get_backend

    return ScopedBackend(get_backend(), rights(request).prefixes(action))
