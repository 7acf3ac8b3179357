"""Namespace grants in the admin: their own list, and inline on each group."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group

from access.models import NamespacePermission


class NamespacePermissionInline(admin.TabularInline):
    model = NamespacePermission
    extra = 1
    fields = ["namespace_prefix", "can_read", "can_execute", "can_write"]


@admin.register(NamespacePermission)
class NamespacePermissionAdmin(admin.ModelAdmin):
    list_display = ["group", "namespace_prefix", "can_read", "can_execute", "can_write"]
    list_filter = ["group", "can_write", "can_execute"]
    search_fields = ["group__name", "namespace_prefix"]


class GroupWithNamespacesAdmin(GroupAdmin):
    inlines = [*GroupAdmin.inlines, NamespacePermissionInline]


admin.site.unregister(Group)
admin.site.register(Group, GroupWithNamespacesAdmin)
