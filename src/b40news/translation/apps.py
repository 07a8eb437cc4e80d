from django.apps import AppConfig


class TranslationConfig(AppConfig):
    name = "b40news.translation"
    label = "translation"
