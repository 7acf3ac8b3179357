"""Flow writes keep the Trigger and PeriodicTask rows of polling triggers in step."""

import json

import pytest
from django_celery_beat.models import PeriodicTask

from flows import services
from scheduler.models import Trigger

pytestmark = pytest.mark.django_db

HTTP_NAME = "kestra: company.team.watcher.http"
KV_NAME = "kestra: company.team.watcher.flag"


def source(http_extra="", kv_extra="", flow_extra="", schedule=False) -> str:
    text = f"""id: watcher
namespace: company.team
{flow_extra}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: http://127.0.0.1:1/health
{http_extra}
  - id: flag
    type: io.kestra.plugin.core.kv.Trigger
    key: flag
{kv_extra}
"""
    if schedule:
        text += """  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
"""
    return text


@pytest.fixture
def groups(settings):
    settings.KESTRA = {
        **settings.KESTRA,
        "WORKER_GROUPS": ["default", "gpu", "eu"],
        "NAMESPACE_WORKER_GROUPS": {"company": "eu"},
    }


def test_save_creates_interval_periodic_tasks_on_the_executor_queue():
    flow = services.flow_create(source=source(http_extra="    interval: PT30S\n"))
    http = PeriodicTask.objects.get(name=HTTP_NAME)
    assert http.task == "scheduler.poll"
    assert http.queue == "executor"
    assert http.enabled
    assert http.crontab is None
    assert (http.interval.every, http.interval.period) == (30, "seconds")
    assert json.loads(http.kwargs) == {
        "namespace": "company.team",
        "flow_id": "watcher",
        "trigger_id": "http",
    }
    kv = PeriodicTask.objects.get(name=KV_NAME)
    assert (kv.interval.every, kv.interval.period) == (60, "seconds")  # Kestra's default
    rows = {r.trigger_id: r for r in Trigger.objects.filter(flow_id="watcher")}
    assert rows["http"].type == "io.kestra.plugin.core.http.Trigger"
    assert rows["flag"].type == "io.kestra.plugin.core.kv.Trigger"
    assert rows["http"].flow_revision == flow.revision
    assert rows["http"].worker_group == ""  # the default group
    assert not rows["http"].effectively_disabled


def test_update_changes_the_interval_and_keeps_the_state():
    services.flow_create(source=source())
    Trigger.objects.filter(trigger_id="flag").update(context={"state": {"fingerprint": "abc"}})
    services.flow_update(
        namespace="company.team",
        flow_id="watcher",
        source=source(kv_extra="    interval: PT2M\n"),
    )
    kv = PeriodicTask.objects.get(name=KV_NAME)
    assert kv.interval.every == 120
    row = Trigger.objects.get(trigger_id="flag")
    assert row.flow_revision == 2
    assert row.context == {"state": {"fingerprint": "abc"}}


def test_worker_group_from_the_trigger_then_the_flow_then_the_namespace(groups):
    services.flow_create(
        source=source(
            http_extra="    workerGroup:\n      key: gpu\n",
        )
    )
    rows = {r.trigger_id: r.worker_group for r in Trigger.objects.filter(flow_id="watcher")}
    assert rows == {"http": "gpu", "flag": "eu"}  # flag: the namespace default of `company`
    services.flow_update(
        namespace="company.team",
        flow_id="watcher",
        source=source(
            http_extra="    workerGroup:\n      key: gpu\n",
            flow_extra="workerGroup:\n  key: default\n",
        ),
    )
    rows = {r.trigger_id: r.worker_group for r in Trigger.objects.filter(flow_id="watcher")}
    assert rows == {"http": "gpu", "flag": "default"}


def test_disable_enable_trigger_disable_and_delete():
    services.flow_create(source=source())
    services.flow_set_disabled(namespace="company.team", flow_id="watcher", disabled=True)
    assert not PeriodicTask.objects.get(name=HTTP_NAME).enabled
    assert Trigger.objects.get(trigger_id="http").source_disabled
    services.flow_set_disabled(namespace="company.team", flow_id="watcher", disabled=False)
    assert PeriodicTask.objects.get(name=HTTP_NAME).enabled
    assert not Trigger.objects.get(trigger_id="http").effectively_disabled
    services.flow_set_trigger_disabled(
        namespace="company.team", flow_id="watcher", trigger_id="flag", disabled=True
    )
    assert not PeriodicTask.objects.get(name=KV_NAME).enabled
    assert PeriodicTask.objects.get(name=HTTP_NAME).enabled
    services.flow_delete(namespace="company.team", flow_id="watcher")
    assert not PeriodicTask.objects.filter(name__in=[HTTP_NAME, KV_NAME]).exists()
    assert not Trigger.objects.exists()


def test_removed_trigger_loses_its_rows_and_schedules_keep_theirs():
    services.flow_create(source=source(schedule=True))
    assert Trigger.objects.filter(flow_id="watcher").count() == 3
    without_kv = source(schedule=True).replace(
        "  - id: flag\n    type: io.kestra.plugin.core.kv.Trigger\n    key: flag\n", ""
    )
    services.flow_update(namespace="company.team", flow_id="watcher", source=without_kv)
    assert not PeriodicTask.objects.filter(name=KV_NAME).exists()
    assert set(Trigger.objects.values_list("trigger_id", flat=True)) == {"http", "nightly"}
    assert PeriodicTask.objects.get(name="kestra: company.team.watcher.nightly").task == (
        "scheduler.fire"
    )


def test_a_trigger_id_that_changes_kind_moves_to_the_other_sync():
    services.flow_create(source=source())
    as_schedule = source().replace(
        "    type: io.kestra.plugin.core.http.Trigger\n    uri: http://127.0.0.1:1/health\n",
        '    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "0 2 * * *"\n',
    )
    services.flow_update(namespace="company.team", flow_id="watcher", source=as_schedule)
    assert PeriodicTask.objects.get(name=HTTP_NAME).task == "scheduler.fire"
    assert Trigger.objects.get(trigger_id="http").type == ("io.kestra.plugin.core.trigger.Schedule")
    services.flow_update(namespace="company.team", flow_id="watcher", source=source())
    assert PeriodicTask.objects.get(name=HTTP_NAME).task == "scheduler.poll"
    assert Trigger.objects.get(trigger_id="http").type == "io.kestra.plugin.core.http.Trigger"


def test_plugin_defaults_apply_to_the_trigger():
    services.flow_create(
        source=source(
            flow_extra="""pluginDefaults:
  - type: io.kestra.plugin.core.kv.Trigger
    values:
      interval: PT5S
"""
        )
    )
    assert PeriodicTask.objects.get(name=KV_NAME).interval.every == 5
    assert PeriodicTask.objects.get(name=HTTP_NAME).interval.every == 60


@pytest.mark.parametrize(
    ("extra", "path"),
    [("    interval: soon\n", "interval"), ("    on: DELETE\n", "on")],
)
def test_bad_properties_are_refused_naming_the_field(extra, path):
    from kestra_site.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        services.flow_create(source=source(kv_extra=extra))
    assert [v.path for v in error.value.violations()] == [f"triggers[1].{path}"]
    assert not Trigger.objects.exists()
    assert not PeriodicTask.objects.filter(name__startswith="kestra: company.team").exists()
