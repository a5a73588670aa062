"""Patron imports keep a code for why they failed, beside the sentence in the library's language."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("circulation", "0008_release_copies_kept_for_nobody"),
    ]

    operations = [
        migrations.AddField(
            model_name="patronimport",
            name="error_code",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
