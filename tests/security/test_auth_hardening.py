"""Tokens are revocable; failed logins lock a (username, address) pair out, on the API (429)
and in the web UI (a form error); webhook keys are compared in constant time."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/main/flows/search"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.KESTRA = {
        **settings.KESTRA,
        "LOGIN_MAX_FAILURES": 3,
        "LOGIN_FAILURE_WINDOW_SECONDS": 300,
        "LOGIN_LOCKOUT_SECONDS": 300,
    }
    cache.clear()
    yield
    cache.clear()


def basic(username: str, password: str, address: str = "10.1.1.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {encoded}")
    return client


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def command(*args) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


# --- tokens ----------------------------------------------------------------------------------


def test_a_created_token_works_and_a_revoked_one_gets_401(user) -> None:
    key = command("create", user.username)
    assert Token.objects.get(user=user).key == key
    assert bearer(key).get(URL).status_code == 200
    assert command("create", user.username) == key  # idempotent
    assert "revoked" in command("revoke", user.username)
    assert bearer(key).get(URL).status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_rotating_a_token_revokes_the_old_key(user) -> None:
    old = command("create", user.username)
    new = command("create", user.username, "--rotate")
    assert new != old
    assert bearer(old).get(URL).status_code == 401
    assert bearer(new).get(URL).status_code == 200


def test_token_command_errors_name_the_field(user) -> None:
    with pytest.raises(CommandError, match="username: no user named 'nobody'"):
        command("create", "nobody")
    with pytest.raises(CommandError, match="holds no token"):
        command("revoke", user.username)


def test_token_list_shows_holders_not_keys(user) -> None:
    key = command("create", user.username)
    listing = command("list")
    assert user.username in listing and key not in listing


# --- login lockout: API ----------------------------------------------------------------------


def test_api_basic_auth_locks_out_after_repeated_failures(user, password) -> None:
    for _ in range(3):
        assert basic(user.username, "wrong").get(URL).status_code == 401
    locked = basic(user.username, password).get(URL)  # even the right password, for now
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.json()["message"]
    assert int(locked["Retry-After"]) > 0
    # Another address, or another user from the same address, is not locked out.
    assert basic(user.username, password, address="10.2.2.2").get(URL).status_code == 200
    # Once the lockout is over, the right password works again.
    cache.clear()
    assert basic(user.username, password).get(URL).status_code == 200


def test_a_success_resets_the_failure_count(user, password) -> None:
    for _ in range(2):
        assert basic(user.username, "wrong").get(URL).status_code == 401
    assert basic(user.username, password).get(URL).status_code == 200
    for _ in range(2):
        assert basic(user.username, "wrong").get(URL).status_code == 401
    assert basic(user.username, password).get(URL).status_code == 200


def test_lockout_off_when_max_failures_is_zero(user, password, settings) -> None:
    settings.KESTRA = {**settings.KESTRA, "LOGIN_MAX_FAILURES": 0}
    for _ in range(5):
        assert basic(user.username, "wrong").get(URL).status_code == 401
    assert basic(user.username, password).get(URL).status_code == 200


# --- login lockout: web UI -------------------------------------------------------------------


def test_ui_login_locks_out_with_a_form_error(client, user, password) -> None:
    for _ in range(3):
        page = client.post("/ui/login/", {"username": user.username, "password": "wrong"})
        assert page.status_code == 200
        assert b"did not match" in page.content
    page = client.post("/ui/login/", {"username": user.username, "password": password})
    assert page.status_code == 200  # the form again, not a redirect into the UI
    assert b"Too many failed sign-ins" in page.content
    assert "_auth_user_id" not in client.session
    cache.clear()
    page = client.post("/ui/login/", {"username": user.username, "password": password})
    assert page.status_code == 302


def test_ui_failures_count_for_the_api_too(client, user, password) -> None:
    for _ in range(3):
        client.post(
            "/ui/login/", {"username": user.username, "password": "x"}, REMOTE_ADDR="10.1.1.1"
        )
    assert basic(user.username, password).get(URL).status_code == 429


def test_admin_login_is_refused_while_locked_out(client, user, password) -> None:
    user.is_staff = True
    user.save()
    for _ in range(3):
        basic(user.username, "wrong", address="127.0.0.1").get(URL)
    page = client.post("/admin/login/", {"username": user.username, "password": password})
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    cache.clear()
    page = client.post("/admin/login/", {"username": user.username, "password": password})
    assert page.status_code == 302 and "_auth_user_id" in client.session


# --- webhook keys ----------------------------------------------------------------------------


def test_webhook_keys_are_compared_in_constant_time(monkeypatch) -> None:
    """Every candidate key goes through hmac.compare_digest (no early-exit `==`)."""
    import hmac

    from executions.api import webhooks

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
    definition = {
        "triggers": [
            {"id": "a", "type": "io.kestra.plugin.core.trigger.Webhook", "key": "first-key"},
            {"id": "b", "type": "io.kestra.plugin.core.trigger.Webhook", "key": "second-key"},
        ]
    }
    assert webhooks.find_webhook(definition, "second-key")["id"] == "b"
    assert webhooks.find_webhook(definition, "second-kez") is None
    assert (b"second-key", b"second-kez") in compared
    assert len(compared) == 4  # all triggers compared, found or not
