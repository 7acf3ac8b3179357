"""Shared fixtures: users, authenticated API clients, the Kestra conformance corpus."""

import base64
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("KESTRA_FLOWS_CORPUS", REPO.parent / "shared" / "kestra-flows"))


def corpus_available() -> bool:
    return (CORPUS / "SCENARIOS.jsonl").exists()


def load_checks() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "CHECKS.jsonl").read_text().splitlines()]


@pytest.fixture
def password() -> str:
    return "s3cret-pass-for-tests"


@pytest.fixture
def user(db, django_user_model, password):
    return django_user_model.objects.create_user(username="alice", password=password)


@pytest.fixture
def api(user, password):
    from rest_framework.test import APIClient

    client = APIClient()
    token = base64.b64encode(f"{user.username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


@pytest.fixture
def anonymous(db):
    from rest_framework.test import APIClient

    return APIClient()


def pytest_configure(config):
    """PBKDF2 is slow on purpose; tests create users and log in a lot."""
    if config.pluginmanager.hasplugin("django"):
        from django.conf import settings

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
