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
            _flush_when_settled(call_command)
    yield {r.case.id: r for r in results}


def _flush_when_settled(call_command, timeout: float = 60.0) -> None:
    """Empty the database once the cluster is idle: flow triggers may still be starting
    listeners when the last scenario ends, and a TRUNCATE beside an executor transaction can
    deadlock (then it is tried again)."""
    import time

    from django.core.management.base import CommandError
    from django.db import OperationalError

    from executions.models import Execution
    from executions.states import State
    from tests.conftest import wait_database_quiet

    running = [s.value for s in State if not s.is_terminal]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Execution.objects.filter(state__in=running).exists():
        time.sleep(0.5)
    for attempt in range(8):
        wait_database_quiet()
        try:
            call_command("flush", interactive=False, verbosity=0)
            return
        except (OperationalError, CommandError):  # flush wraps the deadlock in CommandError
            if attempt == 7:
                raise
            time.sleep(1 + attempt)
