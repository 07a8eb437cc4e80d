from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("b40news.ops.urls")),  # /healthz, /metrics
    path("", include("b40news.web.urls")),
]
