"""An import remembers where the change feed stood when it began deciding, so that committing its
preview can tell whether records were added or removed since."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0006_export_job_lease"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="decided_after_change_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
