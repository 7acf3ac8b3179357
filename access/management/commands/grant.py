"""`manage.py grant`: give a group read, execute or write on a namespace prefix, add users."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from access.models import PREFIX_PATTERN, NamespacePermission

LEVELS = ("read", "execute", "write", "none")


class Command(BaseCommand):
    help = (
        "Grant GROUP (created if missing) LEVEL on a namespace prefix and everything below it "
        "(no --namespace: every namespace); --user adds members; --level none removes the "
        "grant; --list shows every grant."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("group", nargs="?", help="the group's name")
        parser.add_argument(
            "--namespace", default="", help="a namespace prefix, e.g. company.team (default: all)"
        )
        parser.add_argument("--level", choices=LEVELS, default="read")
        parser.add_argument("--user", action="append", default=[], help="add this user (repeat)")
        parser.add_argument("--list", action="store_true", help="list every grant and stop")

    def handle(self, *args, **options) -> None:
        if options["list"]:
            for grant in NamespacePermission.objects.select_related("group"):
                members = ", ".join(grant.group.user_set.values_list("username", flat=True))
                self.stdout.write(f"{grant}  [{members}]")
            return
        if not options["group"]:
            raise CommandError("group: name the group to grant to (or use --list)")
        prefix, level = options["namespace"].strip(), options["level"]
        if prefix and not PREFIX_PATTERN.match(prefix):
            raise CommandError("namespace: a namespace such as company.team (dotted segments)")
        group, _ = Group.objects.get_or_create(name=options["group"])
        if level == "none":
            deleted, _ = group.namespace_permissions.filter(namespace_prefix=prefix).delete()
            self.stdout.write(f"Removed {deleted} grant(s) of {group.name} on {prefix or '*'}")
        else:
            grant = NamespacePermission(
                group=group,
                namespace_prefix=prefix,
                can_read=True,
                can_execute=level in ("execute", "write"),
                can_write=level == "write",
            )
            existing = group.namespace_permissions.filter(namespace_prefix=prefix).first()
            if existing is not None:
                grant.pk = existing.pk
            grant.save()
            self.stdout.write(self.style.SUCCESS(f"Granted {grant}"))
        users = get_user_model().objects
        for username in options["user"]:
            member = users.filter(username=username).first()
            if member is None:
                raise CommandError(f"user: no user named {username!r}")
            member.groups.add(group)
            self.stdout.write(f"Added {username} to {group.name}")
