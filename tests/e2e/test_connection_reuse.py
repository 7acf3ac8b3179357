"""An executor hop opens no new database connection (Celery's Django fixup would, by default)."""

import pytest
from django.db import connection

from executions import services
from flows import services as flow_services
from tests.e2e.conftest import wait_terminal

pytestmark = pytest.mark.e2e
EXECUTOR_THREADS = 6  # the session cluster's executor (tests/conftest.py)

FLOW = """
id: reuse
namespace: e2e.reuse
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: a
  - id: b
    type: io.kestra.plugin.core.debug.Return
    format: b
"""


def executor_backends() -> set[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start::text FROM pg_stat_activity "
            "WHERE application_name = 'kestra-test-executor' "
            "AND datname = current_database()"
        )
        return set(cursor.fetchall())


def run_batch(count: int) -> None:
    ids = [
        services.execution_create(namespace="e2e.reuse", flow_id="reuse").id for _ in range(count)
    ]
    for execution_id in ids:
        assert wait_terminal(execution_id).state == "SUCCESS"


def test_executor_hops_reuse_their_connections(running):
    flow_services.flow_create(source=FLOW)
    run_batch(8)
    before = executor_backends()
    assert before, "the executor's connections are not visible in pg_stat_activity"
    run_batch(8)  # 8 executions x 3 hops
    after = executor_backends()
    # Every connection open before is still open (a closed-and-reopened one has a new pid or
    # start time); a thread that had not worked yet may have opened its first one.
    assert before <= after
    assert len(after) <= EXECUTOR_THREADS
