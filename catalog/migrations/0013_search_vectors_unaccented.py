"""Build anew the search vectors and the spelling word list written before search read text
without accents: a record titled "Les Misérables" kept a vector that "miserables" misses."""

from django.db import migrations

from catalog.services.search_index import (
    record_search_refold,
    search_terms_refresh,
    search_words_refresh,
)


def vectors_unaccent(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The services' own builders, so the vectors and words are the ones a save writes today;
    # they run in the library's schema that django-tenants migrates. A catalog without
    # accented text has nothing rebuilt and keeps its words and terms.
    if record_search_refold():
        search_words_refresh()
        # An accented common word's term ("été") gives way to its plain spelling ("ete").
        search_terms_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_record_harvest_datestamp"),
    ]

    operations = [
        migrations.RunPython(vectors_unaccent, migrations.RunPython.noop, elidable=True),
    ]
