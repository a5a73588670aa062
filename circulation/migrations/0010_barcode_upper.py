"""Cards' barcodes indexed upper-cased: copies are refused them in any case."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('circulation', '0009_job_error_code'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='patron',
            index=models.Index(django.db.models.functions.text.Upper('barcode'), name='patron_barcode_upper'),
        ),
    ]
