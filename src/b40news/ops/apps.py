from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "b40news.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from b40news.ops import checks  # noqa: F401  (registers the system checks)
