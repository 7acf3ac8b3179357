"""Users with chosen namespace grants, and flows, executions, logs and triggers in namespaces
on both sides of a prefix (`company.team`, below it, beside it, elsewhere)."""

import pytest
from django.contrib.auth.models import Group

from access.models import NamespacePermission
from executions import services
from flows import services as flow_services
from kestra_site import kv
from tests.access.grants import NAMESPACES, PASSWORD, SOURCE, client_for
from tests.executions.api.helpers import drive


@pytest.fixture
def world(db):
    """One flow `job` (with a schedule trigger), one finished execution with logs, and a KV
    key per namespace; returns {namespace: execution id}."""
    executions = {}
    for namespace in ["company", *NAMESPACES]:  # the KV store lives on disk: start empty
        store = kv.store(namespace)
        for entry in store.entries():
            store.delete(entry.key)
    for namespace in NAMESPACES:
        flow_services.flow_create(source=SOURCE.format(namespace=namespace))
        row = services.execution_create(namespace=namespace, flow_id="job")
        assert drive(row.id).state == "SUCCESS"
        executions[namespace] = row.id
        kv.store(namespace).put("key", f"value of {namespace}")
    return executions


@pytest.fixture
def make_user(db, django_user_model):
    """make_user("bob", ("company.team", "read"), ...) -> (user, basic-auth API client); each
    grant goes through its own group, so rights are the union over groups."""

    def make(username: str, *grants: tuple[str, str]):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD)
        for index, (prefix, level) in enumerate(grants):
            group = Group.objects.create(name=f"{username}-{index}")
            NamespacePermission.objects.create(
                group=group,
                namespace_prefix=prefix,
                can_read=True,
                can_execute=level in ("execute", "write"),
                can_write=level == "write",
            )
            user.groups.add(group)
        return user, client_for(username)

    return make
