"""Copies' barcodes indexed upper-cased: cards are refused them in any case."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0010_item_on_hold_shelf'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='item',
            index=models.Index(django.db.models.functions.text.Upper('barcode'), name='item_barcode_upper'),
        ),
    ]
