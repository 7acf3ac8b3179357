"""Basic-auth verification cache: fast on repeat, and never stale after a password change."""

import base64

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def client_for(username: str, password: str) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def test_cached_credentials_stop_working_when_the_password_changes(user, password):
    url = "/api/v1/main/flows/search"
    assert client_for(user.username, password).get(url).status_code == 200
    assert client_for(user.username, password).get(url).status_code == 200  # from the cache
    user.set_password("another-one")
    user.save()
    assert client_for(user.username, password).get(url).status_code == 401
    assert client_for(user.username, "another-one").get(url).status_code == 200


def test_cached_credentials_stop_working_when_the_user_is_deactivated(user, password):
    url = "/api/v1/main/flows/search"
    assert client_for(user.username, password).get(url).status_code == 200
    user.is_active = False
    user.save()
    assert client_for(user.username, password).get(url).status_code == 401
