"""One subscriber per mailbox: email_key unique (its own migration: PostgreSQL cannot alter a
table with the merge's deferred constraint checks still pending in the same transaction)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0006_merge_case_duplicates'),
    ]

    operations = [
        migrations.AlterField(
            model_name='subscriber',
            name='email_key',
            field=models.CharField(editable=False, max_length=320, unique=True),
        ),
    ]
