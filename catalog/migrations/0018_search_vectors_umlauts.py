"""Build anew the search vectors and the spelling word list written before search spelt a
word's umlauts out (ä=ae, ö=oe, ü=ue): a record by "Müller" kept a vector that "Mueller"
misses."""

from django.db import migrations

from catalog.services.search_index import search_refold


def vectors_umlauts(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The services' own builder, in the library's schema that django-tenants migrates, so the
    # vectors are the ones a save writes today. Only records whose text folding changes are
    # rebuilt (every record with an umlaut is one), then the word list ("mueller", for
    # suggestions) and the terms; a catalog of ASCII text keeps them all.
    search_refold()


class Migration(migrations.Migration):
    # Not one transaction: record_search_refold commits its batches one by one, so on a
    # large catalog a librarian's edit waits for one batch, not for every record rebuilt.
    atomic = False

    dependencies = [
        ("catalog", "0017_search_vectors_apostrophes"),
    ]

    operations = [
        migrations.RunPython(vectors_umlauts, migrations.RunPython.noop, elidable=True),
    ]
