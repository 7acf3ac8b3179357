"""`manage.py bootstrap`: make sure a first administrator exists, so a fresh install can log in."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the first administrator (KESTRA_ADMIN_USER / KESTRA_ADMIN_PASSWORD) if none exists."
    )

    def handle(self, *args, **options) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("KESTRA_ADMIN_USER", "admin")
        password = os.environ.get("KESTRA_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        note = settings.BASE_DIR / "data" / "admin-credentials.txt"
        if "KESTRA_ADMIN_PASSWORD" not in os.environ:
            note.parent.mkdir(parents=True, exist_ok=True)
            note.write_text(f"{username}\n{password}\n")
            note.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created administrator {username!r} with password {password!r}"
                + (f" (also saved in {note})" if "KESTRA_ADMIN_PASSWORD" not in os.environ else "")
            )
        )
