from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "b40news.network"
    label = "network"
