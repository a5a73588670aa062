from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0009_pool_vectors_unaccented"),
    ]

    operations = [
        migrations.AddField(
            model_name="library",
            name="contact_email",
            field=models.EmailField(
                blank=True,
                default="",
                help_text="Where readers' replies to the library's mail go.",
                max_length=254,
            ),
        ),
    ]
