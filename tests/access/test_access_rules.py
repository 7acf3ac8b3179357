"""The rules: prefixes on segment boundaries, union over groups, implied rights, superusers,
and the query that keeps rows to a user's namespaces."""

import pytest
from django.contrib.auth.models import Group

from access.models import NamespacePermission
from access.rules import ALL, NOTHING, covers, prefixes_q, rights_for
from flows.models import Flow
from tests.access.grants import NAMESPACES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("prefix", "namespace", "expected"),
    [
        ("company.team", "company.team", True),
        ("company.team", "company.team.x", True),
        ("company.team", "company.team.x.y", True),
        ("company.team", "company.teamx", False),
        ("company.team", "company", False),
        ("company.team", "other", False),
        ("", "anything.at.all", True),
    ],
)
def test_a_prefix_covers_the_namespace_and_its_children_only(prefix, namespace, expected):
    assert covers(prefix, namespace) is expected


def test_rights_are_the_union_of_the_groups_and_write_implies_execute_implies_read(make_user):
    user, _ = make_user("bob", ("company.team", "read"), ("other", "write"))
    rights = rights_for(user)
    assert rights.allows("read", "company.team.sub")
    assert not rights.allows("execute", "company.team")
    assert not rights.allows("read", "company.teamx")
    assert all(rights.allows(action, "other.deep") for action in ("read", "execute", "write"))
    assert rights.prefixes("read") == ("company.team", "other")
    assert rights.prefixes("write") == ("other",)


def test_implied_flags_are_stored_and_a_covered_prefix_is_dropped(make_user):
    group = Group.objects.create(name="ops")
    grant = NamespacePermission.objects.create(
        group=group, namespace_prefix="company", can_read=False, can_write=True
    )
    grant.refresh_from_db()
    assert (grant.can_read, grant.can_execute, grant.can_write) == (True, True, True)
    user, _ = make_user("carol", ("company.team", "read"))
    user.groups.add(group)
    assert rights_for(user).prefixes("read") == ("company",)


def test_superusers_have_everything_and_nobody_else_by_default(django_user_model, make_user):
    root = django_user_model.objects.create_superuser("root", password="x-x-x-x-x-x")
    assert rights_for(root) is ALL
    plain, _ = make_user("nobody")
    assert rights_for(plain).prefixes("read") == ()
    assert not rights_for(plain).allows("read", "company.team")
    assert rights_for(None) is NOTHING


def test_a_blank_prefix_is_every_namespace(make_user):
    user, _ = make_user("dave", ("", "execute"))
    rights = rights_for(user)
    assert rights.prefixes("read") is None and rights.prefixes("execute") is None
    assert rights.prefixes("write") == ()
    assert rights.allows("execute", "x.y.z") and not rights.allows("write", "x")


def test_prefixes_q_selects_the_same_rows_as_the_rule(world):
    for prefixes in [("company.team",), ("company.team", "other"), ("company",), ()]:
        found = set(
            Flow.objects.filter(prefixes_q("namespace", prefixes)).values_list(
                "namespace", flat=True
            )
        )
        expected = {n for n in NAMESPACES if any(covers(p, n) for p in prefixes)}
        assert found == expected, prefixes
    assert Flow.objects.filter(prefixes_q("namespace", None)).count() == len(NAMESPACES)


def test_a_bad_prefix_is_refused_naming_the_field():
    from django.core.exceptions import ValidationError

    grant = NamespacePermission(group=Group.objects.create(name="g"), namespace_prefix="a..b")
    with pytest.raises(ValidationError) as error:
        grant.full_clean()
    assert "namespace_prefix" in error.value.message_dict
