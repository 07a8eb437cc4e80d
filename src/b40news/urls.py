from django.contrib import admin
from django.urls import include, path

from b40news.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),  # the HTTP API, its schema (openapi.json) and docs
    path("", include("b40news.ops.urls")),  # /healthz, /metrics
    path("", include("b40news.web.urls")),
]

# Branded error pages in the visitor's language (the CSRF failure page: settings.CSRF_FAILURE_VIEW).
handler400 = "b40news.web.public.errors.bad_request"
handler403 = "b40news.web.public.errors.permission_denied"
handler404 = "b40news.web.public.errors.page_not_found"
handler500 = "b40news.web.public.errors.server_error"
