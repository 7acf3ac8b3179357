"""The Elasticsearch client and index layout: templates, generations behind aliases, daily logs.

Each kind lives in `<prefix><kind>-<generation>` behind the alias `<prefix><kind>`; logs in
one index a day, `<prefix>logs-<generation>-<YYYY.MM.DD>`, all behind `<prefix>logs`. A
reindex builds a new generation, then swaps the alias in one atomic call."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch, NotFoundError

from indexer import conf
from indexer.documents import templates

_lock = threading.Lock()
_ready: set[tuple[str, str]] = set()  # (url, index) known to exist, per process


@functools.lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> Elasticsearch:
    # No client-side retries: the outbox retries with backoff, nothing waits in a loop here.
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


def client() -> Elasticsearch:
    options = conf.options()
    if not options["URL"]:
        raise RuntimeError("ELASTICSEARCH_URL is not set")
    return _client(options["URL"], options["TIMEOUT_SECONDS"])


def forget() -> None:
    """Drop cached clients and known indices (tests switch servers)."""
    _client.cache_clear()
    _ready.clear()


def new_generation() -> str:
    return "g" + datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


def ensure_templates(*, force: bool = False) -> None:
    """Put the index templates (once per process and server, unless `force`)."""
    key = (conf.options()["URL"], conf.index_name("*templates*"))
    if key in _ready and not force:
        return
    es = client()
    for name, template in templates().items():
        es.indices.put_index_template(name=name, **template.to_dict())
    _ready.add(key)


def alias_indices(alias: str) -> list[str]:
    try:
        return sorted(client().indices.get_alias(name=alias).body)
    except NotFoundError:
        return []


def write_index(kind: str) -> str:
    """The alias to write `kind` to, created with its first generation if missing."""
    alias = conf.index_name(kind)
    key = (conf.options()["URL"], alias)
    if key in _ready:
        return alias
    with _lock:
        if not alias_indices(alias):
            ensure_templates()
            create_index(f"{alias}-{new_generation()}", alias=alias)
        _ready.add(key)
    return alias


def create_index(name: str, alias: str | None = None) -> None:
    body = {"aliases": {alias: {}}} if alias else {}
    try:
        client().indices.create(index=name, **body)
    except Exception as error:  # created meanwhile by another drain
        if "resource_already_exists" not in str(error):
            raise


def logs_generation() -> str:
    names = alias_indices(conf.index_name("logs"))
    if not names:
        return "g0"
    return names[-1][len(conf.index_name("logs")) + 1 :].split("-")[0]


def log_index(day: datetime, generation: str | None = None, *, alias: bool = True) -> str:
    """The daily log index of `day` (created, behind the logs alias, when first written)."""
    generation = generation or logs_generation()
    name = f"{conf.index_name('logs')}-{generation}-{day:%Y.%m.%d}"
    key = (conf.options()["URL"], name)
    if key not in _ready:
        if not client().indices.exists(index=name):
            ensure_templates()
            create_index(name, alias=conf.index_name("logs") if alias else None)
        _ready.add(key)
    return name


def swap_alias(alias: str, new_indices: list[str]) -> list[str]:
    """Point `alias` at `new_indices` only, in one atomic call; returns the indices it left."""
    old = alias_indices(alias)
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions += [{"add": {"index": name, "alias": alias}} for name in new_indices]
    client().indices.update_aliases(actions=actions)
    return [name for name in old if name not in new_indices]


def expire_logs(now: datetime | None = None) -> list[str]:
    """Delete daily log indices older than the retention; returns their names."""
    days = conf.options()["LOG_RETENTION_DAYS"]
    if days <= 0:
        return []
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).strftime("%Y.%m.%d")
    stem = conf.index_name("logs") + "-"
    try:
        names = list(client().indices.get_alias(index=stem + "*").body)
    except NotFoundError:
        return []
    expired = [n for n in names if n.rsplit("-", 1)[-1] < cutoff]
    for name in expired:
        client().indices.delete(index=name)
        _ready.discard((conf.options()["URL"], name))
    return expired
