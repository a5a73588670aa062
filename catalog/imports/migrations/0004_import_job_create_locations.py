"""Imports create missing locations only when asked (and remember those they made), and\nupdate matched records by an overlay rule."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_files_under_the_library_schema"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="create_locations",
            field=models.BooleanField(
                default=False,
                help_text="Create the location codes the file names that are missing.",
            ),
        ),
        migrations.CreateModel(
            name="ImportLocation",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("location_id", models.BigIntegerField()),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="locations_made",
                        to="imports.importjob",
                    ),
                ),
            ],
        ),
    ]
