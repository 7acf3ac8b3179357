"""Admin for trigger state (every Trigger row, schedule and polling) and fired dates, and
django-celery-beat's PeriodicTask admin re-registered so the scheduler's own rows show as such."""

from __future__ import annotations

from django.contrib import admin, messages
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from kestra_site.errors import DomainError
from scheduler import actions, backfills
from scheduler.models import ScheduledRun, Trigger

SYSTEM_PREFIX = "kestra: "


def _each(request, queryset, verb: str, act) -> None:
    done = 0
    for row in queryset:
        try:
            act(row)
        except DomainError as error:
            messages.warning(request, f"{row}: {error.message}")
            continue
        done += 1
    messages.success(request, f"{done} trigger(s) {verb}.")


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = (
        "namespace",
        "flow_id",
        "trigger_id",
        "kind",
        "next_date",
        "last_date",
        "disabled",
        "source_disabled",
        "locked_on",
        "backfill_state",
    )
    list_filter = ("disabled", "source_disabled", "type", "namespace")
    search_fields = ("namespace", "flow_id", "trigger_id", "execution_id")
    readonly_fields = (
        "tenant",
        "namespace",
        "flow_id",
        "trigger_id",
        "type",
        "flow_revision",
        "schedule_key",
        "last_date",
        "next_date",
        "source_disabled",
        "disabled",
        "disabled_reason",
        "execution_id",
        "locked_since",
        "evaluating_since",
        "worker_group",
        "backfill",
        "context",
        "updated",
    )
    actions = ["enable", "disable", "unlock", "pause_backfill", "unpause_backfill"]

    def has_add_permission(self, request) -> bool:
        return False  # rows follow the flows

    @admin.display(description="type")
    def kind(self, row: Trigger) -> str:
        return row.type.rsplit(".", 1)[-1]

    @admin.display(description="locked on")
    def locked_on(self, row: Trigger) -> str:
        return row.execution_id or ("evaluation" if row.evaluating_since else "")

    @admin.display(description="backfill")
    def backfill_state(self, row: Trigger) -> str:
        if not row.backfill:
            return ""
        state = "paused" if row.backfill.get("paused") else "running"
        return f"{state}: {row.backfill.get('currentDate')} → {row.backfill.get('end')}"

    @admin.action(description="Enable the selected triggers")
    def enable(self, request, queryset):
        _each(
            request,
            queryset,
            "enabled",
            lambda r: actions.trigger_set_disabled(
                r.namespace, r.flow_id, r.trigger_id, disabled=False
            ),
        )

    @admin.action(description="Disable the selected triggers")
    def disable(self, request, queryset):
        reason = f"disabled in the admin by {request.user}"
        _each(
            request,
            queryset,
            "disabled",
            lambda r: actions.trigger_set_disabled(
                r.namespace, r.flow_id, r.trigger_id, disabled=True, reason=reason
            ),
        )

    @admin.action(description="Unlock the selected triggers")
    def unlock(self, request, queryset):
        _each(
            request,
            queryset,
            "unlocked",
            lambda r: actions.trigger_unlock(r.namespace, r.flow_id, r.trigger_id),
        )

    @admin.action(description="Pause the backfill of the selected triggers")
    def pause_backfill(self, request, queryset):
        _each(
            request,
            queryset,
            "paused",
            lambda r: backfills.backfill_pause(r.namespace, r.flow_id, r.trigger_id, True),
        )

    @admin.action(description="Resume the backfill of the selected triggers")
    def unpause_backfill(self, request, queryset):
        _each(
            request,
            queryset,
            "resumed",
            lambda r: backfills.backfill_pause(r.namespace, r.flow_id, r.trigger_id, False),
        )


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = (
        "namespace",
        "flow_id",
        "trigger_id",
        "scheduled_date",
        "execution_id",
        "error",
        "created",
    )
    list_filter = ("namespace", "trigger_id")
    search_fields = ("namespace", "flow_id", "trigger_id", "execution_id")
    date_hierarchy = "scheduled_date"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SystemTaskFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("system", "The scheduler's own (kestra: ...)"), ("user", "Others")]

    def queryset(self, request, queryset):
        if self.value() == "system":
            return queryset.filter(name__startswith=SYSTEM_PREFIX)
        if self.value() == "user":
            return queryset.exclude(name__startswith=SYSTEM_PREFIX)
        return queryset


class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    """django-celery-beat's admin; the scheduler's own rows (`kestra: ...`) are read-only:
    they follow the flows and the Triggers API."""

    list_filter = (SystemTaskFilter, *BeatPeriodicTaskAdmin.list_filter)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.name.startswith(SYSTEM_PREFIX):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.name.startswith(SYSTEM_PREFIX):
            return False
        return super().has_delete_permission(request, obj)


if admin.site.is_registered(PeriodicTask):
    admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
