from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "b40news.releases"
    label = "releases"
