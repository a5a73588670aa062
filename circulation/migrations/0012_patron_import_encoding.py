"""The encoding a patron file is read in, which its preview names when it is not UTF-8."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('circulation', '0011_job_queue_missed'),
    ]

    operations = [
        migrations.AddField(
            model_name='patronimport',
            name='encoding',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
    ]
