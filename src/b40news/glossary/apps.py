from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    name = "b40news.glossary"
    label = "glossary"
