"""One cluster for the conformance module: every scenario runs once, up front, in parallel."""

from __future__ import annotations

import os

import pytest

from tests.conformance.checks import ENCRYPTION_KEY

TIMEOUT = float(os.environ.get("CONFORMANCE_TIMEOUT", "120"))


@pytest.fixture(scope="module")
def conformance(cluster, django_db_blocker):
    """Results by case id, from one run of every scenario against the session's live executor
    and worker (started with Kestra's test configuration: see tests/conftest.py)."""
    from django.conf import settings
    from django.core.management import call_command

    from tests.conformance.runner import run_cases
    from tests.conformance.scenarios import load_cases

    key = settings.KESTRA["ENCRYPTION_SECRET_KEY"]
    settings.KESTRA["ENCRYPTION_SECRET_KEY"] = ENCRYPTION_KEY
    with django_db_blocker.unblock():
        try:
            results = run_cases(load_cases(), timeout=TIMEOUT, parallel=16)
        finally:
            settings.KESTRA["ENCRYPTION_SECRET_KEY"] = key
            call_command("flush", interactive=False, verbosity=0)
    yield {r.case.id: r for r in results}
