"""The type registry: core types, legacy aliases, and third-party plugins via entry points."""

from __future__ import annotations

import sys
import types
from importlib import metadata

import pytest

from flows.spec import (
    ENTRY_POINT_GROUP,
    RunnableTask,
    Trigger,
    TypeRegistry,
    flow_json_schema,
    registry,
    validate_flow,
)
from flows.spec.registry import CORE_MARKER_TYPE
from tests.flows.spec.conftest import flow_yaml

PLUGIN_MODULE = "acme_kestra_plugin"
SHOUT = "com.acme.kestra.Shout"


def _fake_plugin_module() -> types.ModuleType:
    """A third-party package, as `pip install acme-kestra-plugin` would provide it."""
    module = types.ModuleType(PLUGIN_MODULE)

    class Shout(RunnableTask):
        """Log a message in capitals."""

        type_names = (SHOUT, "com.acme.legacy.Shout")

        text: str
        times: int = 1

    class Poll(Trigger):
        """Poll something."""

        type_names = ("com.acme.kestra.Poll",)

        every: str = "PT1M"

    def register(target: TypeRegistry) -> None:
        target.register(Shout)
        target.register(Poll)

    module.Shout, module.Poll, module.register = Shout, Poll, register
    return module


@pytest.fixture
def plugin(monkeypatch):
    module = _fake_plugin_module()
    monkeypatch.setitem(sys.modules, PLUGIN_MODULE, module)
    point = metadata.EntryPoint(
        name="acme", value=f"{PLUGIN_MODULE}:register", group=ENTRY_POINT_GROUP
    )
    registry.load_plugins([point])
    yield module
    registry.unregister(module.Shout)
    registry.unregister(module.Poll)


SHOUT_FLOW = flow_yaml(
    f"  - id: loud\n    type: {SHOUT}\n    text: hello\n    times: 2\n",
    extra="triggers:\n  - id: p\n    type: com.acme.kestra.Poll\n",
)


def test_a_plugin_type_is_validated_like_a_core_type(plugin):
    report = validate_flow(SHOUT_FLOW)
    assert report.ok, report.violations
    task = report.flow.find_task("loud")
    assert isinstance(task, plugin.Shout) and task.times == 2
    assert report.flow.triggers[0].every == "PT1M"
    bad = validate_flow(SHOUT_FLOW.replace("times: 2", "times: lots\n    volume: 11"))
    assert [v.path for v in bad.violations] == ["tasks[0].volume", "tasks[0].times"]
    assert bad.violations[0].message == (
        f'Unrecognized field "volume" (class {SHOUT}), not marked as ignorable'
    )


def test_a_plugin_alias_is_a_warning(plugin):
    report = validate_flow(SHOUT_FLOW.replace(SHOUT, "com.acme.legacy.Shout"))
    assert report.ok
    assert [w.path for w in report.warnings] == ["tasks[0].type"]


def test_a_plugin_type_appears_in_the_json_schema(plugin):
    schema = flow_json_schema()
    names = {
        name
        for d in schema["$defs"].values()
        for name in d.get("properties", {}).get("type", {}).get("enum", [])
    }
    assert {SHOUT, "com.acme.legacy.Shout", "com.acme.kestra.Poll"} <= names
    refs = [choice["$ref"] for choice in schema["$defs"]["Task"]["oneOf"]]
    assert "#/$defs/Shout" in refs


def test_without_the_plugin_the_type_is_unknown():
    report = validate_flow(SHOUT_FLOW)
    assert ("tasks[0].type", f"Invalid type: {SHOUT}") in [
        (v.path, v.message) for v in report.violations
    ]
    assert SHOUT not in str(flow_json_schema())


def test_entry_points_are_discovered_from_the_group(monkeypatch):
    module = _fake_plugin_module()
    monkeypatch.setitem(sys.modules, PLUGIN_MODULE, module)
    points = [
        metadata.EntryPoint(name="core", value="flows.spec.core:register", group=ENTRY_POINT_GROUP),
        metadata.EntryPoint(
            name="acme", value=f"{PLUGIN_MODULE}:register", group=ENTRY_POINT_GROUP
        ),
    ]
    monkeypatch.setattr(
        metadata, "entry_points", lambda group: points if group == ENTRY_POINT_GROUP else []
    )
    fresh = TypeRegistry()
    assert fresh.task_class(SHOUT) is module.Shout
    assert fresh.task_class("io.kestra.core.tasks.debugs.Return").type_names[0] == (
        "io.kestra.plugin.core.debug.Return"
    )


def test_the_core_types_register_even_without_their_entry_point(monkeypatch):
    monkeypatch.setattr(metadata, "entry_points", lambda group: [])
    fresh = TypeRegistry()
    assert fresh.task_class(CORE_MARKER_TYPE).type_names[0] == CORE_MARKER_TYPE


def test_a_broken_plugin_is_skipped_and_reported():
    broken = metadata.EntryPoint(
        name="broken", value="no_such_module_anywhere:register", group=ENTRY_POINT_GROUP
    )
    fresh = TypeRegistry(autoload=False)
    fresh.load_plugins([broken])
    assert fresh.load_errors and "broken" in fresh.load_errors[0]
    assert fresh.lookup("task", CORE_MARKER_TYPE) is not None


def test_the_installed_project_declares_the_core_entry_point():
    names = [p.value for p in metadata.entry_points(group=ENTRY_POINT_GROUP)]
    if not names:
        pytest.skip("the project is not pip-installed")
    assert "flows.spec.core:register" in names


def test_lookups_and_listings():
    assert registry.task_class("io.kestra.core.tasks.flows.Flow") is registry.task_class(
        "io.kestra.plugin.core.flow.Subflow"
    )
    assert (
        registry.condition_class(
            "io.kestra.core.models.conditions.types.VariableCondition"
        ).type_names[0]
        == "io.kestra.plugin.core.condition.Expression"
    )
    assert (
        registry.trigger_class("io.kestra.core.models.triggers.types.Webhook").type_names[0]
        == "io.kestra.plugin.core.trigger.Webhook"
    )
    with pytest.raises(KeyError):
        registry.task_class("io.kestra.plugin.core.debug.MissingOne")
    assert registry.is_legacy("task", "io.kestra.core.tasks.log.Log")
    assert not registry.is_legacy("task", "io.kestra.plugin.core.log.Log")
    listing = registry.describe("task")
    log = next(e for e in listing if e["type"] == "io.kestra.plugin.core.log.Log")
    assert log == {
        "type": "io.kestra.plugin.core.log.Log",
        "aliases": ["io.kestra.core.tasks.log.Log"],
        "category": "task",
        "kind": "runnable",
        "deprecated": False,
        "title": "Log a message (or each message of a list) at a level.",
    }
    assert "io.kestra.core.tasks.debugs.Return" in registry.names("task")


def test_registering_a_taken_name_needs_replace():
    class Impostor(RunnableTask):
        type_names = ("io.kestra.plugin.core.log.Log",)

    fresh = TypeRegistry(autoload=False)
    fresh.register(registry.task_class("io.kestra.plugin.core.log.Log"))
    with pytest.raises(ValueError, match="already registered"):
        fresh.register(Impostor)
    fresh.register(Impostor, replace=True)
    assert fresh.task_class("io.kestra.plugin.core.log.Log") is Impostor
    assert fresh.lookup("task", "io.kestra.core.tasks.log.Log") is None


def test_only_typed_plugin_classes_register():
    class NoNames(RunnableTask):
        pass

    with pytest.raises(TypeError):
        TypeRegistry(autoload=False).register(NoNames)
    with pytest.raises(TypeError):
        TypeRegistry(autoload=False).register(int)


CORE_TASKS = """
io.kestra.plugin.core.flow.Sequential io.kestra.plugin.core.flow.Parallel
io.kestra.plugin.core.flow.If io.kestra.plugin.core.flow.Switch io.kestra.plugin.core.flow.ForEach
io.kestra.plugin.core.flow.EachSequential io.kestra.plugin.core.flow.EachParallel
io.kestra.plugin.core.flow.Dag io.kestra.plugin.core.flow.AllowFailure
io.kestra.plugin.core.flow.Pause io.kestra.plugin.core.flow.Subflow
io.kestra.plugin.core.flow.ForEachItem io.kestra.plugin.core.flow.LoopUntil
io.kestra.plugin.core.flow.WaitFor io.kestra.plugin.core.flow.WorkingDirectory
io.kestra.plugin.core.flow.Template io.kestra.plugin.core.flow.Sleep
io.kestra.plugin.core.log.Log io.kestra.plugin.core.log.Fetch io.kestra.plugin.core.log.PurgeLogs
io.kestra.plugin.core.debug.Return io.kestra.plugin.core.debug.Echo
io.kestra.plugin.core.execution.Fail io.kestra.plugin.core.execution.Labels
io.kestra.plugin.core.execution.Count io.kestra.plugin.core.execution.Resume
io.kestra.plugin.core.execution.PurgeExecutions io.kestra.plugin.core.execution.Exit
io.kestra.plugin.core.execution.SetVariables io.kestra.plugin.core.output.OutputValues
io.kestra.plugin.core.storage.Write io.kestra.plugin.core.storage.Concat
io.kestra.plugin.core.storage.Size io.kestra.plugin.core.storage.Delete
io.kestra.plugin.core.storage.Split io.kestra.plugin.core.storage.Reverse
io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles io.kestra.plugin.core.storage.LocalFiles
io.kestra.plugin.core.storage.DeduplicateItems io.kestra.plugin.core.storage.FilterItems
io.kestra.plugin.core.kv.Set io.kestra.plugin.core.kv.Get io.kestra.plugin.core.kv.GetKeys
io.kestra.plugin.core.kv.Delete io.kestra.plugin.core.namespace.UploadFiles
io.kestra.plugin.core.namespace.DownloadFiles io.kestra.plugin.core.namespace.DeleteFiles
io.kestra.plugin.core.http.Request io.kestra.plugin.core.http.Download
io.kestra.plugin.core.trigger.Toggle io.kestra.plugin.core.state.Get
io.kestra.plugin.core.state.Set io.kestra.plugin.core.state.Delete
io.kestra.plugin.core.templating.TemplatedTask io.kestra.plugin.scripts.shell.Commands
io.kestra.plugin.scripts.shell.Script io.kestra.plugin.scripts.python.Script
io.kestra.plugin.scripts.python.Commands
io.kestra.core.tasks.debugs.Return io.kestra.core.tasks.log.Log io.kestra.core.tasks.executions.Fail
io.kestra.core.tasks.flows.Sequential io.kestra.core.tasks.flows.Parallel
io.kestra.core.tasks.flows.Switch io.kestra.core.tasks.flows.If
io.kestra.core.tasks.flows.EachSequential io.kestra.core.tasks.flows.EachParallel
io.kestra.core.tasks.flows.Dag io.kestra.core.tasks.flows.Pause
io.kestra.core.tasks.flows.AllowFailure io.kestra.core.tasks.flows.ForEachItem
io.kestra.core.tasks.flows.Subflow io.kestra.core.tasks.flows.Flow
io.kestra.core.tasks.flows.WorkingDirectory io.kestra.core.tasks.flows.Worker
io.kestra.core.tasks.flows.Template io.kestra.core.tasks.states.Get
io.kestra.core.tasks.storages.LocalFiles io.kestra.core.tasks.templating.TemplatedTask
io.kestra.core.tasks.trigger.Toggle
""".split()
CORE_TRIGGERS = """
io.kestra.plugin.core.trigger.Schedule io.kestra.plugin.core.trigger.ScheduleOnDates
io.kestra.plugin.core.trigger.Flow io.kestra.plugin.core.trigger.Webhook
io.kestra.plugin.core.http.Trigger io.kestra.core.models.triggers.types.Schedule
io.kestra.core.models.triggers.types.Flow io.kestra.core.models.triggers.types.Webhook
""".split()
CORE_CONDITIONS = [
    f"io.kestra.plugin.core.condition.{name}"
    for name in (
        "ExecutionStatus",
        "ExecutionFlow",
        "ExecutionNamespace",
        "ExecutionLabels",
        "ExecutionOutputs",
        "Expression",
        "MultipleCondition",
        "DayWeek",
        "DayWeekInMonth",
        "TimeBetween",
        "DateTimeBetween",
        "Weekend",
        "Not",
        "Or",
    )
] + [
    "io.kestra.core.models.conditions.types.ExecutionStatusCondition",
    "io.kestra.core.models.conditions.types.VariableCondition",
]


@pytest.mark.parametrize(
    ("category", "names"),
    [("task", CORE_TASKS), ("trigger", CORE_TRIGGERS), ("condition", CORE_CONDITIONS)],
)
def test_every_core_type_and_alias_is_registered(category, names):
    assert [n for n in names if registry.lookup(category, n) is None] == []
