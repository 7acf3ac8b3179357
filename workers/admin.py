"""Admin: live workers as their heartbeats report them (read-only)."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import admin

from workers.models import WorkerInstance


@admin.register(WorkerInstance)
class WorkerInstanceAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "groups", "running_count", "last_seen", "alive"]
    search_fields = ["worker_id", "hostname"]
    readonly_fields = ["worker_id", "hostname", "pid", "queues", "running", "started", "last_seen"]

    @admin.display(description="groups")
    def groups(self, obj: WorkerInstance) -> str:
        return ", ".join(q for q in obj.queues if q != "executor")

    @admin.display(description="running")
    def running_count(self, obj: WorkerInstance) -> int:
        return len(obj.running)

    @admin.display(boolean=True)
    def alive(self, obj: WorkerInstance) -> bool:
        timeout = timedelta(seconds=settings.KESTRA["HEARTBEAT_TIMEOUT_SECONDS"])
        return obj.last_seen >= datetime.now(UTC) - timeout

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
