"""Worker routes, mounted under `/api/v1/<tenant>/`."""

from django.urls import path

from workers import api

urlpatterns = [
    path("workers", api.WorkersView.as_view(), name="workers"),
    path("worker-groups", api.WorkerGroupsView.as_view(), name="worker-groups"),
]
