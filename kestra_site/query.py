"""Kestra's search parameters: 0.x style (`q`, `namespace`, `labels=k:v`) and 2.x `filters[...]`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kestra_site.errors import InvalidInput

_FILTER_KEY = re.compile(
    r"^filters\[(?P<field>[A-Za-z_]+)\]\[(?P<op>[A-Z_]+)\](?:\[(?P<key>[^\]]+)\])?$"
)
OPERATIONS = {
    "EQUALS",
    "NOT_EQUALS",
    "PREFIX",
    "STARTS_WITH",
    "ENDS_WITH",
    "CONTAINS",
    "IN",
    "NOT_IN",
    "REGEX",
    "GREATER_THAN",
    "LESS_THAN",
    "GREATER_THAN_OR_EQUAL_TO",
    "LESS_THAN_OR_EQUAL_TO",
}
# Internal, never read from a request: the namespace lies under one of these comma-separated
# prefixes. The access scope (access.drf.ScopedBackend) adds it to every search it passes on.
PREFIX_IN = "PREFIX_IN"


@dataclass
class Search:
    """One search request, whichever parameter style it came in."""

    filters: list[tuple[str, str, str]] = field(default_factory=list)  # (field, op, value)
    labels: dict[str, str] = field(default_factory=dict)
    page: int = 1
    size: int = 10
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    def values(self, name: str, op: str | None = None) -> list[str]:
        return [v for f, o, v in self.filters if f == name and (op is None or o == op)]


def _int(params, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise InvalidInput(f"must be an integer, got {raw!r}", path=name) from error
    if not minimum <= value <= maximum:
        raise InvalidInput(f"must be between {minimum} and {maximum}", path=name)
    return value


def parse_search(params, *, legacy: dict[str, str], sortable: set[str]) -> Search:
    """Read paging, sort and filters; `legacy` maps 0.x parameter names to filter fields."""
    search = Search(
        page=_int(params, "page", 1, 1, 1_000_000), size=_int(params, "size", 10, 1, 10_000)
    )
    for name, field_name in legacy.items():
        for value in params.getlist(name):
            if value != "":
                search.filters.append(
                    (field_name, "PREFIX" if name == "namespace" else "EQUALS", value)
                )
    for raw in params.getlist("labels"):
        key, sep, value = raw.partition(":")
        if not sep or not key:
            raise InvalidInput(f"labels must be written key:value, got {raw!r}", path="labels")
        search.labels[key] = value
    for key in params:
        match = _FILTER_KEY.match(key)
        if not match:
            continue
        op = match["op"]
        if op not in OPERATIONS:
            raise InvalidInput(f"unknown filter operation {op}", path=key)
        for value in params.getlist(key):
            if match["field"] == "labels" and match["key"]:
                search.labels[match["key"]] = value
            elif match["field"] == "labels":
                for pair in value.split(","):
                    k, _, v = pair.partition(":")
                    search.labels[k] = v
            else:
                search.filters.append((match["field"], op, value))
    for raw in params.getlist("sort"):
        for part in raw.split(","):
            name, _, direction = part.partition(":")
            if name not in sortable:
                raise InvalidInput(
                    f"cannot sort by {name!r}; one of {sorted(sortable)}", path="sort"
                )
            search.sort.append((name, direction.lower() == "desc"))
    return search
