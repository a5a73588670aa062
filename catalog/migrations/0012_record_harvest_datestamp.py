"""Records' OAI-PMH datestamps in a column of their own, filled with the datestamp served until
now: the record's last change or its copies' last change, whichever is later."""

import django.db.models.functions.datetime
from django.db import migrations, models

# GREATEST passes over the NULL of a record without copies.
FILL = """
UPDATE catalog_record r SET harvest_datestamp = GREATEST(
    r.updated_at, (SELECT max(i.updated_at) FROM catalog_item i WHERE i.record_id = r.id)
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0011_barcode_upper'),
    ]

    operations = [
        migrations.AddField(
            model_name='record',
            name='harvest_datestamp',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now()),
        ),
        # Filled before it is indexed, so the index is built once.
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='record',
            name='harvest_datestamp',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), db_index=True),
        ),
    ]
