"""API authentication: basic auth with a verification cache, and Bearer/Token tokens."""

import hashlib
import hmac
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authentication import (
    BasicAuthentication,
    TokenAuthentication,
    get_authorization_header,
)

from kestra_site import throttle


class BearerTokenAuthentication(TokenAuthentication):
    """Tokens as `Authorization: Bearer <token>` (kestrapy) or DRF's `Token <token>`."""

    keyword = "Bearer"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if auth and auth[0].lower() == b"token":
            request.META["HTTP_AUTHORIZATION"] = b"Bearer " + b" ".join(auth[1:])
            auth = [b"Bearer", *auth[1:]]
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        return super().authenticate(request)


class CachedBasicAuthentication(BasicAuthentication):
    """HTTP basic auth that remembers verified credentials for a few minutes.

    Django's PBKDF2 check costs ~0.5 s of CPU by design; scripts and kestrapy send basic auth
    on every call, so each process keeps a small map from an HMAC of the credentials to the
    user. A changed password or a deactivated user invalidates the entry at once, because the
    stored password hash must still match. A (username, address) pair locked out after too many
    failures (kestra_site/throttle.py) gets 429 before any password check.
    """

    ttl_seconds = 300
    max_entries = 1024
    _verified: OrderedDict[str, tuple[int, str, float]] = OrderedDict()
    _lock = threading.Lock()

    def authenticate_credentials(self, userid, password, request=None):
        wait = throttle.locked_for(userid, throttle.client_address(request))
        if wait:
            raise exceptions.Throttled(wait=wait, detail="too many failed sign-ins for this user")
        key = hmac.new(
            settings.SECRET_KEY.encode(), f"{userid}\0{password}".encode(), hashlib.sha256
        ).hexdigest()
        with self._lock:
            hit = self._verified.get(key)
        if hit is not None and hit[2] > time.monotonic():
            user = get_user_model().objects.filter(pk=hit[0]).first()
            if user is not None and user.is_active and user.password == hit[1]:
                return user, None
        user, auth = super().authenticate_credentials(userid, password, request)
        with self._lock:
            self._verified[key] = (user.pk, user.password, time.monotonic() + self.ttl_seconds)
            self._verified.move_to_end(key)
            while len(self._verified) > self.max_entries:
                self._verified.popitem(last=False)
        return user, auth
