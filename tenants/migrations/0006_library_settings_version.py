"""A version for the library's settings, so that two people saving them cannot undo each other."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0005_pool"),
    ]

    operations = [
        migrations.AddField(
            model_name="library",
            name="settings_version",
            field=models.PositiveIntegerField(
                default=1, editable=False, help_text="Moves on with each save of the settings."
            ),
        ),
    ]
