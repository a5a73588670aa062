"""Build anew the search vectors and the spelling word list written before search read an
apostrophe inside a word as not there: a record by "O'Brien" kept a vector that "obrien"
misses."""

from django.db import migrations

from catalog.services.search_index import (
    record_search_refold,
    search_terms_refresh,
    search_words_refresh,
)


def vectors_apostrophes(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The services' own builders, so the vectors and words are the ones a save writes today;
    # they run in the library's schema that django-tenants migrates. A catalog without such
    # apostrophes has nothing rebuilt and keeps its words and terms.
    if record_search_refold():
        # The folded words ("obrien") join the word list, for suggestions.
        search_words_refresh()
        # A common folded word ("lheure") may be a search term now.
        search_terms_refresh()


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
