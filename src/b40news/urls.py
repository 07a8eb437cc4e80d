from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("b40news.ops.urls")),  # /healthz, /metrics
    path("", include("b40news.web.urls")),
]

# Branded error pages in the visitor's language (the CSRF failure page: settings.CSRF_FAILURE_VIEW).
handler400 = "b40news.web.public.errors.bad_request"
handler403 = "b40news.web.public.errors.permission_denied"
handler404 = "b40news.web.public.errors.page_not_found"
handler500 = "b40news.web.public.errors.server_error"
