"""URL configuration: the API under Kestra's tenant paths, admin, OpenAPI, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from flows import api as flow_api
from kestra_site import health

TENANT = settings.KESTRA["TENANT"]

urlpatterns = [
    path("", RedirectView.as_view(url="/ui/", permanent=False), name="root"),
    path("ui/", include("ui.urls")),
    path("admin/", admin.site.urls),
    path("health", health.health, name="health"),
    path(f"api/v1/{TENANT}/", include("indexer.urls"), {"tenant": TENANT}),
    path(f"api/v1/{TENANT}/", include("flows.urls"), {"tenant": TENANT}),
    path(f"api/v1/{TENANT}/", include("workers.urls"), {"tenant": TENANT}),
    path(f"api/v1/{TENANT}/", include("kestra_site.kv_api"), {"tenant": TENANT}),
    path(f"api/v1/{TENANT}/", include("kestra_site.namespace_files_api"), {"tenant": TENANT}),
    path(f"api/v1/{TENANT}/", include("executions.api.urls"), {"tenant": TENANT}),
    path(f"api/v1/{TENANT}/", include("scheduler.urls"), {"tenant": TENANT}),
    path(
        "api/v1/plugins/schemas/<str:kind>",
        flow_api.FlowSchemaView.as_view(),
        name="plugin-schema-global",
    ),
    path("api/v1/openapi.json", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="swagger-ui"),
    path("api-auth/", include("rest_framework.urls")),
]
