"""Keep beside each word of the spelling word list the spelling the catalog gives it most often:
a search for "Müler" was offered "Muller" where the catalog writes "Müller"."""

from django.db import migrations, models

from catalog.services.search_index import search_words_refresh


def words_spelt(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The services' own count, in the library's schema that django-tenants migrates, so the
    # spellings are those a refresh chooses today; a catalog whose words are all spelt as
    # search reads them has its counts checked and nothing written.
    search_words_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0018_search_vectors_umlauts"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchword",
            name="spelling",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(words_spelt, migrations.RunPython.noop, elidable=True),
    ]
