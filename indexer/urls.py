"""Routes of the indexer's API (included under /api/v1/<tenant>/)."""

from django.urls import path

from indexer import api

urlpatterns = [
    path("taskruns/search", api.TaskRunSearchView.as_view(), name="taskrun-search"),
    path("flows/source", api.FlowSourceSearchView.as_view(), name="flow-source-search"),
    path("stats/executions/daily", api.ExecutionsDailyView.as_view(), name="stats-daily"),
    path(
        "stats/executions/daily/group-by-flow",
        api.ExecutionsByFlowView.as_view(),
        name="stats-daily-by-flow",
    ),
    path(
        "stats/executions/daily/group-by-namespace",
        api.ExecutionsByNamespaceView.as_view(),
        name="stats-daily-by-namespace",
    ),
    path(
        "stats/executions/latest/group-by-flow",
        api.LatestExecutionsView.as_view(),
        name="stats-latest-by-flow",
    ),
    path("stats/taskruns/daily", api.TaskRunsDailyView.as_view(), name="stats-taskruns-daily"),
    path("stats/logs/daily", api.LogsDailyView.as_view(), name="stats-logs-daily"),
    path("indexer/status", api.IndexerStatusView.as_view(), name="indexer-status"),
    path("indexer/metrics", api.IndexerMetricsView.as_view(), name="indexer-metrics"),
]
