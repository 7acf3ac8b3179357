"""Login throttling: too many failed sign-ins per (username, client address) lock that pair out."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

_PREFIX = "kestra:login:"


def _limits() -> tuple[int, float, float]:
    conf = settings.KESTRA
    return (
        int(conf.get("LOGIN_MAX_FAILURES", 5)),
        float(conf.get("LOGIN_FAILURE_WINDOW_SECONDS", 300)),
        float(conf.get("LOGIN_LOCKOUT_SECONDS", 300)),
    )


def client_address(request) -> str:
    """The peer address; behind a proxy that is the proxy's (set it up to pass REMOTE_ADDR)."""
    if request is None:
        return ""
    meta = getattr(request, "META", None) or getattr(getattr(request, "_request", None), "META", {})
    return str(meta.get("REMOTE_ADDR", ""))


def _key(kind: str, username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}\0{address}".encode()).hexdigest()
    return f"{_PREFIX}{kind}:{digest}"


def locked_for(username: str, address: str) -> float:
    """Seconds left of this pair's lockout (0 when it may try)."""
    if _limits()[0] <= 0:
        return 0.0
    until = cache.get(_key("lock", username, address))
    return max(0.0, until - time.time()) if until else 0.0


def record_failure(username: str, address: str) -> None:
    """Count a failure in the window; reaching the limit (re)starts the lockout."""
    limit, window, lockout = _limits()
    if limit <= 0:
        return
    key = _key("fail", username, address)
    cache.add(key, 0, timeout=window)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        failures = 1
    if failures >= limit:
        cache.set(_key("lock", username, address), time.time() + lockout, timeout=lockout)


def clear(username: str, address: str) -> None:
    cache.delete_many([_key("fail", username, address), _key("lock", username, address)])


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the lockout: every password check (web UI, admin, API basic
    auth) counts its failures, and a locked-out pair is refused before the password is tried."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get("username", "")
        address = client_address(request)
        if locked_for(str(name or ""), address):
            raise PermissionDenied("too many failed sign-ins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(str(name or ""), address)
        else:
            clear(str(name or ""), address)
        return user
