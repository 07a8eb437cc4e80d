from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "b40news.web"
    label = "web"
