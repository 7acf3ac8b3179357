"""Admin for the indexing backlog: see what waits, why it failed, retry it now."""

from django.contrib import admin, messages
from django.utils import timezone

from indexer import drain
from indexer.models import OutboxEntry


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "object_id",
        "first_id",
        "last_id",
        "attempts",
        "available_at",
        "created",
    )
    list_filter = ("kind", "attempts")
    search_fields = ("object_id", "last_error")
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]
    actions = ["retry_now"]

    def changelist_view(self, request, extra_context=None):
        backlog = drain.backlog()
        self.message_user(
            request,
            f"Backend {backlog['backend']}: {backlog['pending']} pending "
            f"({backlog['retrying']} retrying), lag {backlog['lagSeconds']} s",
            messages.INFO,
        )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Retry now (make due and wake the drain)")
    def retry_now(self, request, queryset):
        count = queryset.update(available_at=timezone.now())
        from indexer.receivers import enqueue_drain

        enqueue_drain(sender=OutboxEntry)
        self.message_user(request, f"{count} entries are due now.")

    def has_add_permission(self, request):
        return False
