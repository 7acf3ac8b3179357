"""A user's rights on namespaces, and the query that keeps lists to what they may read.

Rights are the union of the user's groups' grants; a grant on a prefix covers the namespace
itself and everything below it (on segment boundaries). Superusers may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

READ, EXECUTE, WRITE = "read", "execute", "write"
ACTIONS = (READ, EXECUTE, WRITE)
_FLAG = {READ: "can_read", EXECUTE: "can_execute", WRITE: "can_write"}


def covers(prefix: str, namespace: str) -> bool:
    """`company.team` covers `company.team` and `company.team.x`, not `company.teamx`."""
    return prefix == "" or namespace == prefix or namespace.startswith(prefix + ".")


def _minimal(prefixes: set[str]) -> tuple[str, ...]:
    """Drop prefixes another one already covers (`a.b` when `a` is there)."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=lambda p: (p.count("."), p)):
        if not any(covers(k, prefix) for k in kept):
            kept.append(prefix)
    return tuple(sorted(kept))


def prefixes_q(field: str, prefixes: tuple[str, ...] | None) -> Q:
    """Rows whose `field` lies under one of `prefixes`: one `IN` for the namespaces themselves
    and one `LIKE 'p.%'` per prefix. None means no restriction; an empty tuple matches nothing."""
    if prefixes is None or "" in prefixes:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    q = Q(**{f"{field}__in": list(prefixes)})
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix + "."})
    return q


@dataclass(frozen=True)
class Rights:
    """What one user may do: for each action, the prefixes it is allowed under (None: all)."""

    by_action: dict[str, tuple[str, ...] | None]

    def prefixes(self, action: str) -> tuple[str, ...] | None:
        return self.by_action[action]

    def allows(self, action: str, namespace: str) -> bool:
        prefixes = self.by_action[action]
        return prefixes is None or any(covers(p, namespace) for p in prefixes)

    def q(self, action: str = READ, field: str = "namespace") -> Q:
        """The filter keeping rows whose `field` the user may `action` on."""
        return prefixes_q(field, self.by_action[action])

    def keep(self, namespaces, action: str = READ) -> list[str]:
        return [n for n in namespaces if self.allows(action, n)]


ALL = Rights({action: None for action in ACTIONS})
NOTHING = Rights({action: () for action in ACTIONS})


def rights_for(user) -> Rights:
    """The user's rights, computed once per user object (one query) and kept on it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return ALL
    cached = getattr(user, "_namespace_rights", None)
    if cached is not None:
        return cached
    from access.models import NamespacePermission

    grants = NamespacePermission.objects.filter(group__user=user).values(
        "namespace_prefix", *_FLAG.values()
    )
    found: dict[str, set[str]] = {action: set() for action in ACTIONS}
    for grant in grants:
        # write implies execute implies read, whatever the stored flags say
        level = 3 if grant["can_write"] else 2 if grant["can_execute"] else int(grant["can_read"])
        for index, action in enumerate(ACTIONS):
            if level > index:
                found[action].add(grant["namespace_prefix"])
    rights = Rights(
        {action: None if "" in found[action] else _minimal(found[action]) for action in ACTIONS}
    )
    user._namespace_rights = rights
    return rights


def scope_value(prefixes: tuple[str, ...]) -> str:
    """The value of a `namespace PREFIX_IN` search filter (namespaces hold no commas)."""
    return ",".join(prefixes)


def scope_q(field: str, value: str) -> Q:
    """The Q of a `namespace PREFIX_IN <value>` search filter."""
    return prefixes_q(field, tuple(p for p in value.split(",") if p))
