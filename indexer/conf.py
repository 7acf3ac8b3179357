"""The indexer's settings (`settings.INDEXER`), read at call time so tests can override them."""

from __future__ import annotations

from django.conf import settings

BACKENDS = ("database", "elasticsearch")


def options() -> dict:
    return settings.INDEXER


def backend_name() -> str:
    name = options()["BACKEND"]
    if name not in BACKENDS:
        raise ValueError(f"KESTRA_SEARCH_BACKEND must be one of {BACKENDS}, got {name!r}")
    return name


def enabled() -> bool:
    """Whether changes are recorded for Elasticsearch (never with the database backend)."""
    return backend_name() == "elasticsearch"


def index_name(kind: str) -> str:
    """The alias (or, for logs, the index name stem) of a kind of document."""
    return f"{options()['PREFIX']}{kind}"
