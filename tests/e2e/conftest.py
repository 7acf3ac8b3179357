"""End-to-end fixtures: a real executor and worker over Redis and the PostgreSQL test database."""

import time

import pytest

from tests.processes import Cluster, broker_url, flush_broker


@pytest.fixture(scope="session")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """Executor (queue `executor`) and a worker (queue `default`), for the whole session."""
    from django.db import connection

    from kestra_site.celery import app

    app.conf.broker_url = broker_url()
    flush_broker()
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    if "sqlite" in connection.vendor:
        pytest.skip("end-to-end tests need PostgreSQL (set DATABASE_URL)")
    nodes = Cluster(url, tmp_path_factory.mktemp("cluster-logs"))
    nodes.add(
        "executor",
        "executor",
        pool="threads",
        concurrency=4,
        env=nodes.env(DATABASE_APPLICATION_NAME="kestra-test-executor"),
    )
    nodes.add("worker", "default", concurrency=2)
    nodes.wait_ready()
    yield nodes
    nodes.stop()


@pytest.fixture
def running(cluster, transactional_db):
    """Tests that need executions to progress: committed data, a live executor and worker."""
    return cluster


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def wait_terminal(execution_id: str, timeout: float = 60.0):
    from executions.models import Execution
    from executions.states import State

    def done():
        row = Execution.objects.filter(pk=execution_id).first()
        return row if row is not None and State(row.state).is_terminal else None

    return wait_for(done, timeout)
