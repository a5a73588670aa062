"""Exports hold a lease while a worker writes them, so one whose worker died is found again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0005_import_job_overlay"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="lease_owner",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
