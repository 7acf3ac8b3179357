"""Kestra's own Python client, kestrapy, against a running server: the flow calls it makes."""

import pytest
from kestrapy import KestraClient
from kestrapy.exceptions import NotFoundException, UnauthorizedException

from tests.flows.factories import flow_source

pytestmark = pytest.mark.django_db(transaction=True)
TENANT = "main"


@pytest.fixture
def kestra(live_server, user, password):
    return KestraClient(host=live_server.url, username=user.username, password=password, timeout=30)


def test_flow_lifecycle_through_kestrapy(kestra):
    created = kestra.flows.create_flow(tenant=TENANT, body=flow_source())
    assert created.id == "hello" and created.namespace == "company.team"
    assert created.revision == 1 and created.source == flow_source()

    got = kestra.flows.flow(namespace="company.team", id="hello", tenant=TENANT, source=True)
    assert got.source == flow_source() and got.tasks[0].id == "say"

    updated = kestra.flows.update_flow(
        namespace="company.team", id="hello", tenant=TENANT, body=flow_source(message="Bye")
    )
    assert updated.revision == 2

    found = kestra.flows.search_flows(tenant=TENANT, page=1, size=10)
    assert found.total == 1 and found.results[0].id == "hello"

    revisions = kestra.flows.list_flow_revisions(
        namespace="company.team", id="hello", tenant=TENANT
    )
    assert [r.revision for r in revisions] == [1, 2]

    assert kestra.flows.list_distinct_namespaces(tenant=TENANT) == ["company.team"]

    report = kestra.flows.validate_flows(
        tenant=TENANT, body=flow_source() + "---\nid: x\nnamespace: company.team\ntasks: []\n"
    )
    assert report[0].constraints is None
    assert "must not be empty" in report[1].constraints

    kestra.flows.delete_flow(namespace="company.team", id="hello", tenant=TENANT)
    with pytest.raises(NotFoundException):
        kestra.flows.flow(namespace="company.team", id="hello", tenant=TENANT)


def test_kestrapy_bulk_update(kestra):
    body = flow_source("a", "company.team") + "---\n" + flow_source("b", "company.team")
    flows = kestra.flows.update_flows_in_namespace(
        namespace="company.team", tenant=TENANT, body=body, delete=True
    )
    assert sorted(f.id for f in flows) == ["a", "b"]


def test_kestrapy_without_credentials_is_refused(live_server, db):
    client = KestraClient(host=live_server.url, timeout=30)
    with pytest.raises(UnauthorizedException):
        client.flows.search_flows(tenant=TENANT)
