"""The flow repository's write paths on a real database: revisions, soft delete, toggles, bulk."""

import pytest

from flows import selectors, services
from flows.models import Flow, FlowRevision
from kestra_site.errors import InvalidInput, NotFound
from kestra_site.query import Search
from tests.flows.factories import flow_source

pytestmark = pytest.mark.django_db


def test_create_keeps_source_byte_for_byte():
    source = flow_source(extra="labels:\n  team: data   # trailing comment\n")
    flow = services.flow_create(source=source)
    stored = Flow.objects.get(pk=flow.pk)
    assert stored.source == source
    assert stored.revision == 1
    assert stored.labels == [{"key": "team", "value": "data"}]
    assert stored.definition["tasks"][0]["type"] == "io.kestra.plugin.core.log.Log"
    assert FlowRevision.objects.filter(flow=stored).count() == 1


def test_changed_source_makes_a_revision_and_unchanged_does_not():
    services.flow_create(source=flow_source())
    same = services.flow_update(namespace="company.team", flow_id="hello", source=flow_source())
    assert same.revision == 1
    changed = services.flow_update(
        namespace="company.team", flow_id="hello", source=flow_source(message="Bye")
    )
    assert changed.revision == 2
    _, revisions = selectors.flow_revisions("company.team", "hello")
    assert [r.revision for r in revisions] == [1, 2]
    assert "Hello" in revisions[0].source and "Bye" in revisions[1].source


def test_create_twice_is_refused_on_the_id():
    services.flow_create(source=flow_source())
    with pytest.raises(InvalidInput) as info:
        services.flow_create(source=flow_source())
    assert info.value.violations()[0].path == "id"
    assert "Flow id already exists" in info.value.message


def test_invalid_source_writes_nothing_and_names_the_field():
    bad = (
        "id: hello\nnamespace: company.team\n"
        "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
    )
    with pytest.raises(InvalidInput) as info:
        services.flow_create(source=bad)
    assert any(v.path.startswith("tasks[0]") for v in info.value.violations())
    assert not Flow.objects.exists()
    assert not FlowRevision.objects.exists()


def test_update_cannot_change_identity():
    services.flow_create(source=flow_source())
    with pytest.raises(InvalidInput) as info:
        services.flow_update(
            namespace="company.team", flow_id="hello", source=flow_source(flow_id="other")
        )
    assert "Illegal flow id update" in info.value.message


def test_delete_is_soft_and_kept_in_history_and_the_flow_can_come_back():
    services.flow_create(source=flow_source())
    services.flow_delete(namespace="company.team", flow_id="hello")
    with pytest.raises(NotFound):
        selectors.flow_get("company.team", "hello")
    deleted = selectors.flow_get("company.team", "hello", allow_deleted=True)
    assert deleted.deleted and deleted.revision == 2
    assert FlowRevision.objects.filter(flow=deleted, deleted=True, revision=2).exists()
    with pytest.raises(NotFound):
        services.flow_delete(namespace="company.team", flow_id="hello")
    back = services.flow_create(source=flow_source(message="again"))
    assert back.revision == 3 and not back.deleted


def test_disable_and_enable_edit_the_source_and_keep_comments():
    services.flow_create(source=flow_source())
    disabled = services.flow_set_disabled(namespace="company.team", flow_id="hello", disabled=True)
    assert disabled.disabled and disabled.revision == 2
    assert disabled.source.startswith("# a comment that must survive\n")
    assert "disabled: true" in disabled.source
    enabled = services.flow_set_disabled(namespace="company.team", flow_id="hello", disabled=False)
    assert not enabled.disabled and enabled.revision == 3
    assert "disabled: false" in enabled.source


def test_namespaces_are_derived_from_live_flows():
    services.flow_create(source=flow_source("a", "company.team"))
    services.flow_create(source=flow_source("b", "company.ops"))
    services.flow_create(source=flow_source("c", "gone"))
    services.flow_delete(namespace="gone", flow_id="c")
    assert selectors.namespaces_distinct() == ["company.ops", "company.team"]
    assert selectors.namespaces_distinct("ops") == ["company.ops"]


def test_namespace_update_is_all_or_nothing():
    services.flow_create(source=flow_source("old", "company.team"))
    body = flow_source("a", "company.team") + "---\n" + flow_source("b", "company.team")
    bad = body + "---\nid: c\nnamespace: company.team\ntasks: []\n"
    with pytest.raises(InvalidInput) as info:
        services.flows_update_namespace(namespace="company.team", source=bad, delete=True)
    assert any(v.path.startswith("[2].") for v in info.value.violations())
    assert selectors.flow_get("company.team", "old")
    assert not Flow.objects.filter(flow_id="a").exists()

    flows = services.flows_update_namespace(namespace="company.team", source=body, delete=True)
    assert sorted(f.flow_id for f in flows) == ["a", "b"]
    with pytest.raises(NotFound):
        selectors.flow_get("company.team", "old")


def test_namespace_update_refuses_foreign_namespaces():
    with pytest.raises(InvalidInput) as info:
        services.flows_update_namespace(
            namespace="company.team", source=flow_source("x", "elsewhere")
        )
    assert info.value.violations()[0].path == "[0].namespace"


def test_search_filters_pages_and_sorts():
    for i in range(12):
        labels = "labels:\n  env: prod\n" if i % 2 else ""
        services.flow_create(source=flow_source(f"f{i:02d}", "company.team", extra=labels))
    services.flow_create(source=flow_source("other", "company.teammates"))
    page, total = selectors.flow_search(
        Search(filters=[("namespace", "PREFIX", "company.team")], size=5, page=3)
    )
    assert total == 12 and [f.flow_id for f in page] == ["f10", "f11"]
    found, total = selectors.flow_search(Search(labels={"env": "prod"}, size=100))
    assert total == 6
    found, _ = selectors.flow_search(
        Search(filters=[("q", "EQUALS", "f0")], size=100, sort=[("id", True)])
    )
    assert [f.flow_id for f in found][:2] == ["f09", "f08"]


def test_flows_with_an_enabled_flow_trigger_are_marked():
    listener = flow_source(
        "listener",
        extra=(
            "triggers:\n  - id: on-upstream\n    type: io.kestra.plugin.core.trigger.Flow\n"
            "    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionFlow\n"
            "        namespace: company.team\n        flowId: hello\n"
        ),
    )
    assert services.flow_create(source=listener).has_flow_trigger
    assert not services.flow_create(source=flow_source("hello")).has_flow_trigger
    off = services.flow_set_trigger_disabled(
        namespace="company.team", flow_id="listener", trigger_id="on-upstream", disabled=True
    )
    assert not off.has_flow_trigger
