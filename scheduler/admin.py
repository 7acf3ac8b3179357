from django.contrib import admin

from scheduler.models import ScheduledRun, Trigger


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = ("namespace", "flow_id", "trigger_id", "next_date", "last_date", "disabled")
    list_filter = ("disabled", "namespace")
    search_fields = ("namespace", "flow_id", "trigger_id")
    readonly_fields = ("updated",)


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("namespace", "flow_id", "trigger_id", "scheduled_date", "execution_id")
    list_filter = ("namespace",)
    search_fields = ("namespace", "flow_id", "trigger_id", "execution_id")
    date_hierarchy = "scheduled_date"
