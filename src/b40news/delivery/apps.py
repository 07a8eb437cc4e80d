from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "b40news.delivery"
    label = "delivery"
