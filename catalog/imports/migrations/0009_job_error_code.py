"""Jobs keep a code for why they failed, beside the sentence in the library's language."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0008_export_job_turns"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="error_code",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="importjob",
            name="error_code",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
