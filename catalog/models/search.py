"""The search index's tables: each record's search vector, the words kept ranked (search
terms) and their ranks, and the catalog's word list for spelling suggestions."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from catalog.models.records import Record


class RecordSearch(models.Model):
    """A record's search vector (title above contributors above subjects above the rest), in a
    table of its own. Ranking a common word reads the vector of every record that has it:
    from this narrow table that is a fraction of the pages the record table would take, and
    the record table's own scans no longer carry the vectors. Written by
    catalog.services.record_search_refresh and by imports, never through the ORM."""

    record = models.OneToOneField(
        Record, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    vector = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["vector"], name="record_search_vector_gin")]

    def __str__(self) -> str:
        return f"search vector of record {self.record_id}"


class SearchTerm(models.Model):
    """A word in so many records that ranking its matches one by one, as a search for it
    would, reads thousands of vectors: its matches are kept ranked instead
    (SearchTermRank). The set is chosen by catalog.services.search_terms_refresh; a search
    for such a word alone reads its pages from the ranked list."""

    # The word as a text search query ('kor'): what a search typed collapses to, and what
    # every rank kept for it was computed with.
    query = models.TextField(primary_key=True)
    # The word as a search vector holds it (kor): what a record's words are looked up by.
    word = models.TextField()
    records = models.PositiveIntegerField(help_text="Records that had the word when chosen.")

    def __str__(self) -> str:
        return self.query


class SearchTermRank(models.Model):
    """A record's rank for one SearchTerm: the same ts_rank a search computes from its
    vector, kept so that a search for the word reads its best matches from an index in
    rank order. Every record that matches a term has its row, and only those: writers of
    search vectors write their records' rows in the same transaction."""

    pk = models.CompositePrimaryKey("record_id", "term")
    # No foreign key constraint: its check would lock the record's row for key share, which
    # a term refresh waiting on an editor of that record could deadlock on. Deleting a
    # record still deletes its rows (Django's cascade). The catalog's services delete under
    # the terms' lock; should a record go any other way while a refresh ranks it, a search
    # skips its rows and the next refresh sweeps them away.
    # (The primary key, record first, is the index by record.)
    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    term = models.TextField()
    rank = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "rank", "record"], name="search_term_ranked")]

    def __str__(self) -> str:
        return f"{self.term} in record {self.record_id}: {self.rank}"


class SearchWord(models.Model):
    """A word of the catalog's text as search reads it (lower case, not stemmed, folded as
    catalog.text.search_fold folds it), with how many records have it and the spelling the
    catalog gives it most often: what a search that found nothing is offered instead
    (catalog.search.spelling). Chosen afresh by catalog.services.search_words_refresh; words
    of records written since are added by the catalog's services and after each import."""

    word = models.TextField(primary_key=True)
    records = models.PositiveIntegerField(default=1)
    # The word as the catalog spells it ("müller" for "muller", "o'brien" for "obrien"), in
    # lower case; "" when that is the word itself.
    spelling = models.TextField(blank=True, default="")
    # The word's three-letter pieces, padded as "  word ": words spelled alike share most.
    grams = ArrayField(models.TextField())

    class Meta:
        indexes = [GinIndex(fields=["grams"], name="search_word_grams_gin")]

    def __str__(self) -> str:
        return self.word
