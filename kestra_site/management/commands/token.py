"""`manage.py token create|revoke|list`: API tokens (`Authorization: Bearer <key>`)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create (or rotate), revoke and list users' API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print the user's token, creating it if needed")
        create.add_argument("username")
        create.add_argument(
            "--rotate", action="store_true", help="replace an existing token with a new one"
        )
        revoke = sub.add_parser("revoke", help="delete the user's token: it stops working at once")
        revoke.add_argument("username")
        sub.add_parser("list", help="the users holding a token (keys are not shown)")

    def handle(self, *args, action, **options):
        if action == "list":
            for token in Token.objects.select_related("user").order_by("user__username"):
                self.stdout.write(f"{token.user.username}\tcreated {token.created.isoformat()}")
            return
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"username: no user named {options['username']!r}")
        if action == "revoke":
            deleted, _ = Token.objects.filter(user=user).delete()
            if not deleted:
                raise CommandError(f"username: {user.username!r} holds no token")
            self.stdout.write(f"revoked the token of {user.username}")
            return
        if options["rotate"]:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
