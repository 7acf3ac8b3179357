"""What a group may do on the namespaces under a prefix: read, execute, write."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models

# Kestra's namespace syntax: dotted segments of letters, digits, `_` and `-`.
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class NamespacePermission(models.Model):
    """One grant: the group's members may act on `namespace_prefix` and every namespace below
    it (`company.team` covers `company.team.x`, not `company.teamx`); blank covers all.
    Write implies execute, execute implies read (`save` sets the implied flags)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="namespace_permissions")
    namespace_prefix = models.CharField(
        max_length=255,
        blank=True,
        help_text="A namespace; its children are included. Blank means every namespace.",
    )
    can_read = models.BooleanField(default=True)
    can_execute = models.BooleanField(default=False, help_text="Implies read.")
    can_write = models.BooleanField(default=False, help_text="Implies execute and read.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "namespace_prefix"], name="access_one_grant_per_prefix"
            )
        ]
        ordering = ["group__name", "namespace_prefix"]

    def __str__(self) -> str:
        return f"{self.group.name}: {self.level or 'nothing'} on {self.namespace_prefix or '*'}"

    def save(self, *args, **kwargs) -> None:
        self.can_execute = self.can_execute or self.can_write
        self.can_read = self.can_read or self.can_execute
        super().save(*args, **kwargs)

    @property
    def level(self) -> str:
        if self.can_write:
            return "write"
        if self.can_execute:
            return "execute"
        return "read" if self.can_read else ""

    def clean(self) -> None:
        self.namespace_prefix = self.namespace_prefix.strip()
        if self.namespace_prefix and not PREFIX_PATTERN.match(self.namespace_prefix):
            raise ValidationError(
                {"namespace_prefix": "a namespace such as company.team (dotted segments), or blank"}
            )
