"""Build anew the search vectors and the spelling word list written before search read an
apostrophe inside a word as not there: a record by "O'Brien" kept a vector that "obrien"
misses."""

from django.db import migrations

from catalog.services.search_index import search_refold


def vectors_apostrophes(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The services' own builder, in the library's schema that django-tenants migrates, so the
    # vectors and words are the ones a save writes today: only records whose folding changes
    # are rebuilt, then the word list ("obrien", for suggestions) and the search terms ("lheure"
    # may be one now); a catalog without such apostrophes keeps them all.
    search_refold()


class Migration(migrations.Migration):
    # Not one transaction: record_search_refold commits its batches one by one, so on a
    # large catalog a librarian's edit waits for one batch, not for every record rebuilt.
    atomic = False

    dependencies = [
        ("catalog", "0016_isbn_invalid"),
    ]

    operations = [
        migrations.RunPython(vectors_apostrophes, migrations.RunPython.noop, elidable=True),
    ]
