"""An export is written in turns, like an import: where it stands, and the files of its turns."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0007_import_job_decided_after"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="checkpoint",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="parts",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
