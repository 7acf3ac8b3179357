"""`manage.py grant`: groups with rights on a prefix, members, removal, bad input."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from access.models import NamespacePermission
from access.rules import rights_for

pytestmark = pytest.mark.django_db


def test_grant_creates_the_group_the_grant_and_adds_members(django_user_model, capsys):
    bob = django_user_model.objects.create_user("bob", password="x-x-x-x-x")
    call_command(
        "grant", "team", "--namespace", "company.team", "--level", "execute", "--user", "bob"
    )
    grant = NamespacePermission.objects.get(group__name="team")
    assert (grant.namespace_prefix, grant.can_read, grant.can_execute, grant.can_write) == (
        "company.team",
        True,
        True,
        False,
    )
    bob = django_user_model.objects.get(pk=bob.pk)
    assert rights_for(bob).allows("execute", "company.team.x")
    assert not rights_for(bob).allows("write", "company.team")
    # granting again changes the level instead of adding a row
    call_command("grant", "team", "--namespace", "company.team", "--level", "write")
    assert NamespacePermission.objects.get(group__name="team").can_write
    call_command("grant", "--list")
    assert "team: write on company.team  [bob]" in capsys.readouterr().out
    call_command("grant", "team", "--namespace", "company.team", "--level", "none")
    assert not NamespacePermission.objects.exists() and Group.objects.filter(name="team").exists()


def test_every_namespace_when_no_prefix_is_given():
    call_command("grant", "readers")
    assert NamespacePermission.objects.get(group__name="readers").namespace_prefix == ""


def test_bad_input_names_the_field():
    with pytest.raises(CommandError, match="namespace:"):
        call_command("grant", "team", "--namespace", "company..team")
    assert not Group.objects.exists()  # nothing half-written
    with pytest.raises(CommandError, match="user: no user named 'ghost'"):
        call_command("grant", "team", "--user", "ghost")
    with pytest.raises(CommandError, match="group:"):
        call_command("grant")
