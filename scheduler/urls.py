"""Triggers API routes, mounted under `/api/v1/<tenant>/`; fixed segments come first."""

from django.urls import path

from scheduler import api

T = "triggers/<str:namespace>/<str:flow_id>/<str:trigger_id>"

urlpatterns = [
    path("triggers", api.TriggerUpdateView.as_view(), name="trigger-update"),
    path("triggers/search", api.TriggerSearchView.as_view(), name="trigger-search"),
    path(
        "triggers/unlock/by-triggers",
        api.UnlockBulkView.as_view(),
        name="trigger-unlock-by-triggers",
    ),
    path(
        "triggers/unlock/by-query",
        api.UnlockBulkView.as_view(by_query=True),
        name="trigger-unlock-by-query",
    ),
    path(
        "triggers/set-disabled/by-triggers",
        api.SetDisabledByTriggersView.as_view(),
        name="trigger-set-disabled-by-triggers",
    ),
    path(
        "triggers/set-disabled/by-query",
        api.SetDisabledByQueryView.as_view(),
        name="trigger-set-disabled-by-query",
    ),
    path(
        "triggers/backfill/pause",
        api.BackfillView.as_view(action="pause", http_method_names=["put"]),
        name="trigger-backfill-pause",
    ),
    path(
        "triggers/backfill/unpause",
        api.BackfillView.as_view(action="unpause", http_method_names=["put"]),
        name="trigger-backfill-unpause",
    ),
    path(
        "triggers/backfill/delete",
        api.BackfillView.as_view(action="delete", http_method_names=["post"]),
        name="trigger-backfill-delete",
    ),
]
for _action in ("pause", "unpause", "delete"):
    urlpatterns += [
        path(
            f"triggers/backfill/{_action}/by-triggers",
            api.BackfillBulkView.as_view(action=_action),
            name=f"trigger-backfill-{_action}-by-triggers",
        ),
        path(
            f"triggers/backfill/{_action}/by-query",
            api.BackfillBulkView.as_view(action=_action, by_query=True),
            name=f"trigger-backfill-{_action}-by-query",
        ),
    ]
urlpatterns += [
    path(f"{T}/unlock", api.TriggerUnlockView.as_view(), name="trigger-unlock"),
    path(f"{T}/restart", api.TriggerRestartView.as_view(), name="trigger-restart"),
    path(
        "triggers/<str:namespace>/<str:flow_id>",
        api.FlowTriggersView.as_view(),
        name="trigger-flow",
    ),
]
