"""Search backends behind one interface: the database or Elasticsearch (KESTRA_SEARCH_BACKEND)."""

from __future__ import annotations

from indexer import conf
from indexer.backends.base import SearchBackend


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or conf.backend_name()
    if name == "elasticsearch":
        from indexer.backends.elastic import ElasticBackend

        return ElasticBackend()
    from indexer.backends.database import DatabaseBackend

    return DatabaseBackend()
