from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class ApiConfig(AppConfig):
    name = "b40news.api"
    label = "api"
    verbose_name = "HTTP API"

    def ready(self) -> None:
        from django.conf import settings

        from b40news.api.cors import normalise_origin

        for origin in settings.API_CORS_ORIGINS:  # fail at start, not at the first sign-up
            try:
                normalise_origin(origin)
            except ValueError as exc:
                raise ImproperlyConfigured(f"B40NEWS_API_CORS_ORIGINS: {exc}") from None
