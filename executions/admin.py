"""Admin for executions, task runs and logs: read-mostly, with kill, restart and replay actions."""

from django.contrib import admin, messages

from executions import services
from executions.models import Execution, LogEntry, TaskRun
from kestra_site.errors import DomainError


class ReadOnly(admin.ModelAdmin):
    """Rows the executor owns: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaskRunInline(admin.TabularInline):
    model = TaskRun
    fields = [
        "task_id",
        "value",
        "state",
        "status_reason",
        "start_date",
        "end_date",
        "parent_task_run_id",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["position"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


def _each(modeladmin, request, queryset, action, verb: str) -> None:
    done = 0
    for row in queryset:
        try:
            action(row.id)
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{row.id}: {error.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, f"{verb} {done} execution(s).", messages.SUCCESS)


@admin.action(description="Kill the selected executions")
def kill(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.execution_kill, "Killed")


@admin.action(description="Restart the failed task runs of the selected executions")
def restart(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.execution_restart, "Restarted")


@admin.action(description="Replay the selected executions (new executions)")
def replay(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.execution_replay, "Replayed")


@admin.register(Execution)
class ExecutionAdmin(ReadOnly):
    list_display = [
        "id",
        "namespace",
        "flow_id",
        "flow_revision",
        "state",
        "start_date",
        "end_date",
    ]
    list_filter = ["state", "namespace", "flow_id", ("created", admin.DateFieldListFilter)]
    search_fields = ["id", "namespace", "flow_id"]
    date_hierarchy = "created"
    ordering = ["-created"]
    inlines = [TaskRunInline]
    actions = [kill, restart, replay]
    readonly_fields = [f.name for f in Execution._meta.fields]


@admin.register(TaskRun)
class TaskRunAdmin(ReadOnly):
    list_display = [
        "id",
        "task_id",
        "execution",
        "value",
        "state",
        "status_reason",
        "start_date",
        "end_date",
    ]
    list_filter = ["state", "execution__namespace", "execution__flow_id"]
    search_fields = ["id", "task_id", "execution__id"]
    list_select_related = ["execution"]
    readonly_fields = [f.name for f in TaskRun._meta.fields]


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnly):
    list_display = ["timestamp", "level", "namespace", "flow_id", "task_id", "short_message"]
    list_filter = ["level", "namespace", "flow_id", ("timestamp", admin.DateFieldListFilter)]
    search_fields = ["message", "execution__id", "task_run_id"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp"]
    readonly_fields = [f.name for f in LogEntry._meta.fields]

    @admin.display(description="message")
    def short_message(self, obj: LogEntry) -> str:
        return obj.message[:120]
