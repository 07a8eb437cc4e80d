from django.urls import path

from b40news.ops.health import healthz
from b40news.ops.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
]
