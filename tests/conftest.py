"""Shared fixtures: users, authenticated API clients, the Kestra conformance corpus, and a live
cluster (real executor and worker processes) for end-to-end tests."""

import base64
import json
import os
import tempfile
import time
from pathlib import Path

import pytest

from tests.processes import Cluster, broker_url, flush_broker

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
    """alice, a plain user in a group with every right on every namespace (tests/access has
    users with less)."""
    from django.contrib.auth.models import Group

    from access.models import NamespacePermission

    alice = django_user_model.objects.create_user(username="alice", password=password)
    group, _ = Group.objects.get_or_create(name="everything")
    NamespacePermission.objects.get_or_create(
        group=group, namespace_prefix="", defaults={"can_write": True}
    )
    alice.groups.add(group)
    return alice


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
    """Each test process talks to its own Redis database from the start (Celery reads
    CELERY_BROKER_URL from the environment first), so parallel test processes and their
    clusters never consume each other's messages. PBKDF2 is slow on purpose; tests create
    users and log in a lot."""
    os.environ["CELERY_BROKER_URL"] = broker_url()
    # Internal storage per test process too (KV store, state store, caches live there); the
    # clusters it starts inherit the variable.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    storage_root = Path(tempfile.gettempdir()) / f"kestra-test-storage-{os.getpid()}-{worker}"
    os.environ["KESTRA_STORAGE_ROOT"] = str(storage_root)
    if config.pluginmanager.hasplugin("django"):
        from django.conf import settings

        settings.STORAGES["kestra"]["OPTIONS"]["location"] = str(storage_root)
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_login_lockout(request):
    """The login lockout counts failures in Django's cache (per process, locmem): start every
    test with none, so tests that try wrong passwords never lock out the next test's user."""
    if request.config.pluginmanager.hasplugin("django"):
        from django.core.cache import cache

        cache.clear()
    yield


CLUSTER_FIXTURES = {"cluster", "running", "conformance"}


def pytest_collection_modifyitems(config, items):
    """Tests with real processes share one session cluster: keep them in one xdist worker
    (`--dist loadgroup`), so a 2-core machine runs one cluster and the pure tests beside it."""
    for item in items:
        if CLUSTER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("cluster"))


# ---- a live cluster: executor and worker processes on the PostgreSQL test database ----------


@pytest.fixture(scope="session")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """An executor (queue `executor`) and a worker (queue `default`) for the whole session,
    with Kestra's test configuration (globals, envs, encryption key) for the conformance runs.
    """
    from django.db import connection

    from tests.conformance.checks import cluster_env

    if "sqlite" in connection.vendor:
        pytest.skip("end-to-end tests need PostgreSQL (set DATABASE_URL)")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    flush_broker(broker_url())
    nodes = Cluster(url, tmp_path_factory.mktemp("cluster-logs"))
    env = nodes.env(**cluster_env())
    try:
        nodes.add(
            "executor",
            "executor",
            pool="threads",
            concurrency=6,
            env={**env, "DATABASE_APPLICATION_NAME": "kestra-test-executor"},
        )
        nodes.add("worker", "default", concurrency=4, env=env)
        nodes.wait_ready()
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
def running(cluster, transactional_db):
    """Tests that need executions to progress: committed data, a live executor and worker.
    Afterwards the invariants that hold whatever happened are checked (tests/invariants.py):
    at most one successful attempt per task run, one execution per (trigger, date), no orphan
    task runs."""
    from tests.invariants import check_invariants

    yield cluster
    violations = check_invariants(settled=False)
    wait_database_quiet()  # the flush that follows must not meet an executor transaction
    assert not violations, "invariants broken: " + "; ".join(violations[:10])


def wait_database_quiet(timeout: float = 15.0, calm: float = 0.5) -> bool:
    """Wait until no other session of the test database is running a statement or holding a
    transaction open, for `calm` seconds in a row: a TRUNCATE (the test database's flush)
    beside an executor transaction can deadlock."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'"
            )
            busy = cursor.fetchone()[0]
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= calm:
            return True
        time.sleep(0.05)
    return False


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def sweep_until(predicate, timeout: float = 180.0, stale_seconds: float = 5.0) -> None:
    """Run the sweeper (periodic in production; driven by the test here) until `predicate`."""
    from executions import tasks

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks.sweep(stale_seconds=stale_seconds)
        if predicate():
            return
        time.sleep(1)
    raise AssertionError("the system did not settle in time")


def wait_terminal(execution_id: str, timeout: float = 60.0):
    from executions.models import Execution
    from executions.states import State

    def done():
        row = Execution.objects.filter(pk=execution_id).first()
        return row if row is not None and State(row.state).is_terminal else None

    return wait_for(done, timeout)
