"""Subscribers compared by mailbox (email_key, filled and made unique by 0006 and 0007); rate windows."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0004_city_logo'),
    ]

    operations = [
        migrations.AddField(
            model_name='subscriber',
            name='email_key',
            field=models.CharField(default='', editable=False, max_length=320),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name='RateWindow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=100, unique=True)),
                ('slots', models.JSONField(default=dict)),
                ('expires_at', models.DateTimeField(db_index=True)),
            ],
        ),
    ]
