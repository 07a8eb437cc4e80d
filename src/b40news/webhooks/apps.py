from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "b40news.webhooks"
    label = "webhooks"
    verbose_name = "webhooks"
