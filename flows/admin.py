"""Django admin for flows: source editing validated by the flow spec, revisions, bulk toggles."""

from django import forms
from django.contrib import admin, messages

from flows import selectors, services
from flows.models import Flow, FlowRevision
from kestra_site.errors import DomainError, InvalidInput


def _violation_messages(error: InvalidInput) -> list[str]:
    return [(f"line {v.line}: " if v.line else "") + str(v) for v in error.violations()]


class FlowAdminForm(forms.ModelForm):
    source = forms.CharField(
        widget=forms.Textarea(
            attrs={
                "rows": 30,
                "cols": 110,
                "spellcheck": "false",
                "style": "font-family: monospace",
            }
        ),
        strip=False,
        help_text="The flow in Kestra's YAML; saved byte for byte as a new revision when changed.",
    )

    class Meta:
        model = Flow
        fields = ["source"]

    def clean_source(self) -> str:
        source = self.cleaned_data["source"].replace("\r\n", "\n")
        try:
            parsed = services.flow_parse(source)
        except InvalidInput as error:
            raise forms.ValidationError(_violation_messages(error)) from error
        if self.instance.pk:
            if (parsed.namespace, parsed.id) != (self.instance.namespace, self.instance.flow_id):
                raise forms.ValidationError(
                    f"Illegal flow id update: the source defines {parsed.namespace}.{parsed.id}; "
                    "a flow's id and namespace cannot change."
                )
        elif (
            selectors.flows_active().filter(namespace=parsed.namespace, flow_id=parsed.id).exists()
        ):
            raise forms.ValidationError(f"Flow id already exists: {parsed.namespace}.{parsed.id}")
        return source


class FlowRevisionInline(admin.TabularInline):
    model = FlowRevision
    fields = ["revision", "created", "author", "disabled", "deleted"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-revision"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    form = FlowAdminForm
    list_display = ["namespace", "flow_id", "revision", "disabled", "deleted", "updated"]
    list_filter = ["namespace", "disabled", "deleted"]
    search_fields = ["flow_id", "namespace", "description"]
    readonly_fields = ["namespace", "flow_id", "revision", "disabled", "deleted", "updated"]
    inlines = [FlowRevisionInline]
    actions = ["enable_flows", "disable_flows", "soft_delete_flows"]

    def get_fields(self, request, obj=None):
        return ["source"] if obj is None else [*self.readonly_fields, "source"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion is soft and goes through the service
        return actions

    def save_model(self, request, obj, form, change) -> None:
        source = form.cleaned_data["source"]
        if change:
            saved = services.flow_update(
                namespace=obj.namespace, flow_id=obj.flow_id, source=source, user=request.user
            )
        else:
            saved = services.flow_create(source=source, user=request.user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj) -> None:
        services.flow_delete(namespace=obj.namespace, flow_id=obj.flow_id, user=request.user)

    def _toggle(self, request, queryset, disabled: bool) -> None:
        done = 0
        for flow in queryset.filter(deleted=False):
            try:
                services.flow_set_disabled(
                    namespace=flow.namespace,
                    flow_id=flow.flow_id,
                    disabled=disabled,
                    user=request.user,
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{flow}: {error.message}", messages.ERROR)
        self.message_user(request, f"{'Disabled' if disabled else 'Enabled'} {done} flow(s).")

    @admin.action(description="Enable selected flows")
    def enable_flows(self, request, queryset) -> None:
        self._toggle(request, queryset, disabled=False)

    @admin.action(description="Disable selected flows")
    def disable_flows(self, request, queryset) -> None:
        self._toggle(request, queryset, disabled=True)

    @admin.action(description="Delete selected flows (kept in history)")
    def soft_delete_flows(self, request, queryset) -> None:
        count = 0
        for flow in queryset.filter(deleted=False):
            services.flow_delete(namespace=flow.namespace, flow_id=flow.flow_id, user=request.user)
            count += 1
        self.message_user(request, f"Deleted {count} flow(s).")


@admin.register(FlowRevision)
class FlowRevisionAdmin(admin.ModelAdmin):
    list_display = ["flow", "revision", "created", "author", "disabled", "deleted"]
    list_filter = ["flow__namespace", "deleted"]
    search_fields = ["flow__flow_id", "flow__namespace"]
    readonly_fields = ["flow", "revision", "source", "created", "author", "disabled", "deleted"]
    exclude = ["definition"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
