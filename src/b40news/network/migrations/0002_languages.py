"""Load the network's languages from b40news.languages, the one table of them."""

from django.db import migrations


def load_languages(apps, schema_editor):
    from b40news.languages import LANGUAGES

    Language = apps.get_model("network", "Language")
    for lang in LANGUAGES.values():
        Language.objects.update_or_create(
            code=lang.code,
            defaults={"name": lang.name, "native_name": lang.native, "script": lang.script},
        )


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]
    operations = [migrations.RunPython(load_languages, migrations.RunPython.noop)]
