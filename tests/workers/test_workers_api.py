"""Live workers and worker groups through the API and the admin."""

from datetime import UTC, datetime, timedelta

import pytest

from workers.models import WorkerInstance

pytestmark = pytest.mark.django_db


def make_worker(worker_id: str, queues: list[str], seconds_ago: float) -> WorkerInstance:
    now = datetime.now(UTC)
    return WorkerInstance.objects.create(
        worker_id=worker_id,
        hostname="host",
        pid=1,
        queues=queues,
        running=["tr:1"],
        started=now - timedelta(hours=1),
        last_seen=now - timedelta(seconds=seconds_ago),
    )


def test_live_workers_and_groups(api, settings):
    settings.KESTRA = {**settings.KESTRA, "WORKER_GROUPS": ["default", "gpu"]}
    make_worker("w1@h:1", ["default"], 1)
    make_worker("w2@h:2", ["gpu", "etl"], 1)
    make_worker("dead@h:3", ["default"], 3600)
    # (a live test cluster may be heartbeating into the same database: look at ours only)
    workers = {w["id"]: w for w in api.get("/api/v1/main/workers").json()}
    assert {"w1@h:1", "w2@h:2"} <= set(workers) and "dead@h:3" not in workers
    assert workers["w2@h:2"]["alive"] and workers["w2@h:2"]["groups"] == ["gpu", "etl"]
    everyone = api.get("/api/v1/main/workers?all=true").json()
    assert {w["id"]: w["alive"] for w in everyone}["dead@h:3"] is False
    groups = {g["key"]: g for g in api.get("/api/v1/main/worker-groups").json()}
    assert "w1@h:1" in groups["default"]["liveWorkers"]
    assert "dead@h:3" not in groups["default"]["liveWorkers"]
    assert groups["gpu"]["declared"] and groups["gpu"]["liveWorkers"] == ["w2@h:2"]
    assert groups["etl"]["declared"] is False


def test_workers_need_login(anonymous):
    assert anonymous.get("/api/v1/main/workers").status_code == 401


def test_admin_lists_workers(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    make_worker("w1@h:1", ["default"], 1)
    page = client.get("/admin/workers/workerinstance/")
    assert page.status_code == 200 and "w1@h:1" in page.content.decode()
