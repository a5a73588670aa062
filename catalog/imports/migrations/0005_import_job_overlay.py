"""Imports update matched records by an overlay rule: replace, fill empty fields only, or keep
local edits."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0004_import_job_create_locations"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="overlay",
            field=models.CharField(
                choices=[
                    ("replace", "Replace the record with the file's"),
                    ("fill_empty", "Only fill fields that are empty in Stacks"),
                    ("keep_local", "Keep fields edited in Stacks since the last import"),
                ],
                default="replace",
                help_text="What an update does to a matched record's fields.",
                max_length=12,
            ),
        ),
    ]
