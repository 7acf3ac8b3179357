"""Flow API routes, mounted under `/api/v1/<tenant>/`; fixed segments come before `<namespace>`."""

from django.urls import path

from flows import api

urlpatterns = [
    path("flows", api.FlowCreateView.as_view(), name="flow-create"),
    path("flows/search", api.FlowSearchView.as_view(), name="flow-search"),
    path("flows/validate", api.FlowValidateView.as_view(), name="flow-validate"),
    path("flows/bulk", api.FlowBulkView.as_view(), name="flow-bulk"),
    path(
        "flows/distinct-namespaces",
        api.DistinctNamespacesView.as_view(),
        name="flow-distinct-namespaces",
    ),
    path("flows/disable/by-ids", api.FlowsDisableByIdsView.as_view(), name="flow-disable-by-ids"),
    path("flows/enable/by-ids", api.FlowsEnableByIdsView.as_view(), name="flow-enable-by-ids"),
    path("flows/delete/by-ids", api.FlowsDeleteByIdsView.as_view(), name="flow-delete-by-ids"),
    path("flows/<str:namespace>", api.FlowNamespaceView.as_view(), name="flow-namespace"),
    path("flows/<str:namespace>/<str:flow_id>", api.FlowDetailView.as_view(), name="flow-detail"),
    path(
        "flows/<str:namespace>/<str:flow_id>/revisions",
        api.FlowRevisionsView.as_view(),
        name="flow-revisions",
    ),
    path("plugins/schemas/<str:kind>", api.FlowSchemaView.as_view(), name="plugin-schema"),
]
