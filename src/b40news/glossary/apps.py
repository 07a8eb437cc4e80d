from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GlossaryConfig(AppConfig):
    name = "b40news.glossary"
    label = "glossary"

    def ready(self):
        from b40news.glossary.database import seed_if_empty

        # After migrate and after flush: an empty glossary (a new database, a
        # test database) starts from the seed files.
        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="b40news.glossary.seed")
