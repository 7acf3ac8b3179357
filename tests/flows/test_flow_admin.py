"""The flow admin: validated source editing, revisions, bulk toggles, soft delete."""

import re

import pytest

from flows import selectors, services
from flows.models import Flow
from tests.flows.factories import flow_source

pytestmark = pytest.mark.django_db


def inline_fields(page: str) -> dict[str, str]:
    """The revision inline's hidden management and id fields, as the browser would post them."""
    return {
        name: value
        for name, value in re.findall(r'name="(revisions-[^"]+)"[^>]*?value="([^"]*)"', page)
    }


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    return client


def test_add_shows_validation_errors_with_their_line(admin_client):
    bad = (
        "id: x\nnamespace: company.team\n"
        "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Nope\n"
    )
    page = post_form(admin_client, "/admin/flows/flow/add/", bad)
    assert page.status_code == 200  # the form again, not a redirect
    text = page.content.decode()
    assert "line 5" in text and "tasks[0].type" in text
    assert not Flow.objects.exists()


def post_form(client, url: str, source: str):
    """Post the form as a browser would: the source plus the inline's hidden fields."""
    page = client.get(url).content.decode()
    return client.post(url, {"source": source, **inline_fields(page)})


def test_add_and_change_go_through_the_service(admin_client):
    response = post_form(admin_client, "/admin/flows/flow/add/", flow_source())
    assert response.status_code == 302
    flow = selectors.flow_get("company.team", "hello")
    assert flow.revision == 1 and flow.source == flow_source()
    response = post_form(
        admin_client, f"/admin/flows/flow/{flow.pk}/change/", flow_source(message="Bye")
    )
    assert response.status_code == 302
    assert selectors.flow_get("company.team", "hello").revision == 2
    page = admin_client.get(f"/admin/flows/flow/{flow.pk}/change/").content.decode()
    assert "Revisions" in page or "revision" in page.lower()


def test_identity_cannot_change_in_the_admin(admin_client):
    flow = services.flow_create(source=flow_source())
    page = post_form(
        admin_client, f"/admin/flows/flow/{flow.pk}/change/", flow_source(flow_id="other")
    )
    assert page.status_code == 200 and "Illegal flow id update" in page.content.decode()


def test_bulk_actions(admin_client):
    a = services.flow_create(source=flow_source("a"))
    b = services.flow_create(source=flow_source("b"))
    admin_client.post(
        "/admin/flows/flow/", {"action": "disable_flows", "_selected_action": [a.pk, b.pk]}
    )
    assert all(f.disabled for f in selectors.flows_active())
    admin_client.post("/admin/flows/flow/", {"action": "enable_flows", "_selected_action": [a.pk]})
    assert not selectors.flow_get("company.team", "a").disabled
    admin_client.post(
        "/admin/flows/flow/", {"action": "soft_delete_flows", "_selected_action": [b.pk]}
    )
    assert selectors.flow_get("company.team", "b", allow_deleted=True).deleted
