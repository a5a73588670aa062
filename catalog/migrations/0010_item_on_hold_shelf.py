"""Items gain the status of a copy kept on the hold shelf for one patron."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0009_field_labels'),
    ]

    operations = [
        migrations.AlterField(
            model_name='item',
            name='status',
            field=models.CharField(choices=[('available', 'Available'), ('on_loan', 'On loan'), ('missing', 'Missing'), ('lost', 'Lost'), ('damaged', 'Damaged'), ('withdrawn', 'Withdrawn'), ('in_processing', 'In processing'), ('on_hold_shelf', 'On the hold shelf')], default='available', max_length=16, verbose_name='Status'),
        ),
    ]
