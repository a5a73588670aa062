"""Writes to the catalog. Each service owns its transaction and records its changes in the feed."""

import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, InternalError, OperationalError, connection, transaction
from django.db.models import F

from catalog.identifiers import identifier_normalize
from catalog.imports.copy import bulk_cursor
from catalog.models import (
    Change,
    Identifier,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    SearchTerm,
)
from config.errors import ApplicationError, Conflict, NotFound, PreconditionFailed

SEARCH_CONFIG = "english"
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass
class RecordData:
    """What a record says, already checked: the input every record write takes."""

    title: str
    subtitle: str = ""
    publisher: str = ""
    publication_year: int | None = None
    edition: str = ""
    language: str = ""
    series: str = ""
    summary: str = ""
    control_number: str = ""
    control_number_source: str = ""
    contributors: Sequence[tuple[str, str]] = field(default_factory=list)  # (name, role)
    subjects: Sequence[tuple[str, str]] = field(default_factory=list)  # (heading, scheme)
    identifiers: Sequence[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    source_marc: bytes | None = None
    nonfiling: int = 0


# What _PUNCTUATION replaces, for ASCII text: one translate instead of two regex passes.
_ASCII_PUNCTUATION = {i: " " for i in range(128) if _PUNCTUATION.match(chr(i))}


def name_key(name: str) -> str:
    """A name folded for matching: case, accents, punctuation and spacing ignored."""
    if name.isascii():  # nothing to decompose, no accents to drop
        return " ".join(name.lower().translate(_ASCII_PUNCTUATION).split())[:500]
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", folded)).strip()[:500]


def sort_title_for(title: str, nonfiling: int = 0) -> str:
    title = title[nonfiling:] if 0 < nonfiling < len(title) else _LEADING_ARTICLE.sub("", title)
    return name_key(title)[:1000]


def changes_log(entity: str, ids: Iterable[int], action: str) -> None:
    """Append to the change feed. Writers of one library take turns from here to their commit,
    so feed ids become visible in increasing order and a reader resuming after id N never
    misses a change committed later with a smaller id."""
    entries = [Change(entity=entity, entity_id=pk, action=action) for pk in ids]
    if not entries:
        return
    changes_lock()
    Change.objects.bulk_create(entries)


def changes_lock() -> None:
    """Take the library's turn to write the change feed, until this transaction ends. Every
    writer of the feed takes it just before taking feed ids (see changes_log)."""
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('catalog_change'), hashtext(current_schema()))"
        )


def search_vector_sql(
    *, titles: str, contributors: str, subjects: str, rest: str, config: str = SEARCH_CONFIG
) -> str:
    """The stored search vector as SQL over four text expressions: title above contributors
    above subjects above the rest. Every writer of a search vector builds it from here."""
    return (
        f"setweight(to_tsvector('{config}', {titles}), 'A')"
        f" || setweight(to_tsvector('{config}', {contributors}), 'B')"
        f" || setweight(to_tsvector('{config}', {subjects}), 'C')"
        f" || setweight(to_tsvector('{config}', {rest}), 'D')"
    )


def record_search_refresh(record_ids: Sequence[int]) -> None:
    """Compute the records' search vectors anew (catalog_recordsearch): title above
    contributors above subjects above the rest."""
    if not record_ids:
        return
    vector = search_vector_sql(
        titles="r.title || ' ' || r.subtitle",
        contributors="""coalesce((
                   SELECT string_agg(c.name, ' ' ORDER BY rc.position)
                   FROM catalog_recordcontributor rc
                   JOIN catalog_contributor c ON c.id = rc.contributor_id
                   WHERE rc.record_id = r.id), '')""",
        subjects="""coalesce((
                   SELECT string_agg(s.heading, ' ' ORDER BY rs.position)
                   FROM catalog_recordsubject rs
                   JOIN catalog_subject s ON s.id = rs.subject_id
                   WHERE rs.record_id = r.id), '')""",
        rest="r.series || ' ' || r.publisher || ' ' || r.summary",
    )
    ids = list(record_ids)
    ranks = search_term_ranks_sql(
        "(SELECT record_id, vector FROM catalog_recordsearch WHERE record_id = ANY(%s))"
    )
    with connection.cursor() as cursor:
        # One round trip (a record's every edit pays it), each statement with a snapshot of
        # its own. Once the upsert holds the vectors' rows, another writer of the same
        # records has committed its ranks (seen, and replaced, by the statements after it)
        # or waits for ours.
        cursor.execute(
            f"{SEARCH_TERMS_LOCK}; "  # noqa: S608 - no input in the SQL
            f"INSERT INTO catalog_recordsearch (record_id, vector) "
            f"SELECT r.id, {vector} FROM catalog_record r WHERE r.id = ANY(%s) "
            "ON CONFLICT (record_id) DO UPDATE SET vector = EXCLUDED.vector; "
            f"DELETE FROM catalog_searchtermrank WHERE record_id = ANY(%s); {ranks}",
            [ids, ids, ids],
        )


# Taken by every writer of search vectors (and deleter of records) before it writes them, for
# the rest of its transaction; search_terms_refresh takes the lock that excludes it. So a
# refresh sees every vector written before it, a vector written after it gets the new terms'
# ranks, and a refresh never waits on the ranks of a record being deleted (which, deleted
# after taking its own row locks, could deadlock with it).
SEARCH_TERMS_LOCK = f"LOCK TABLE {SearchTerm._meta.db_table} IN ROW SHARE MODE"


def search_terms_lock() -> None:
    """SEARCH_TERMS_LOCK, in its own statement: the statements after it see every term a
    refresh committed before it was granted."""
    with bulk_cursor() as cursor:
        cursor.execute(SEARCH_TERMS_LOCK)


def search_term_ranks_sql(vectors: str) -> str:
    """The INSERT of each record's rank for every search term among its words, for the
    search vectors in `vectors` (a relation of record_id and vector, such as the RETURNING
    of their own INSERT): run with SEARCH_TERMS_LOCK held, in the transaction that writes
    them. Each record's words are looked up among the terms' (for 2,500 records and 25
    terms, 40 ms), not each term's matches scanned for the records (250 ms)."""
    return (
        f"{_RANKS_INSERT} FROM {vectors} s "
        "CROSS JOIN LATERAL unnest(tsvector_to_array(s.vector)) AS w(word) "
        "JOIN catalog_searchterm t ON t.word = w.word"
    )


# Ranks of records for terms, from `s` (their search vectors) and `t` (the terms).
_RANKS_INSERT = (
    "INSERT INTO catalog_searchtermrank (record_id, term, rank) "
    "SELECT s.record_id, t.query, ts_rank(s.vector, t.query::tsquery)::float8"
)


# The words of the catalog's vectors in `min_records` records or more, each with the text of
# its one-word query: quoted, its quotes and backslashes escaped, and read back as a tsquery
# so that it is written as PostgreSQL writes one ('kor').
_COMMON_WORDS = r"""
    SELECT ('''' || replace(replace(word, '\', '\\'), '''', '''''') || '''')::tsquery::text,
           word, ndoc
    FROM ts_stat('SELECT vector FROM catalog_recordsearch')
    WHERE ndoc >= %s
    ORDER BY ndoc DESC, word
    LIMIT %s"""


def _terms_lock_exclusive() -> bool:
    """Take the lock that excludes writers of search vectors, waiting at most 200 ms at a
    time: while a refresh waits for it, every writer's SEARCH_TERMS_LOCK queues behind the
    refresh, so a long wait would hold up librarians' edits (and a wait shorter than
    PostgreSQL's deadlock check gives way before a cycle through it costs an edit). Tries
    for about 15 seconds; False if the lock never came."""
    for _ in range(_LOCK_ATTEMPTS):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
                cursor.execute(f"LOCK TABLE {SearchTerm._meta.db_table} IN EXCLUSIVE MODE")
        except (OperationalError, InternalError) as error:
            if not _lock_not_available(error):
                raise
            time.sleep(0.1)
            continue
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
        return True
    return False


_LOCK_NOT_AVAILABLE = "55P03"


def _lock_not_available(error: Exception) -> bool:
    if getattr(error.__cause__, "pgcode", None) == _LOCK_NOT_AVAILABLE:
        return True
    # Citus passes the LOCK on to the library's worker, and reports the worker's lock timeout
    # there as the failure of that essential connection (XX000), not as 55P03.
    return settings.STACKS_CITUS and "failure on connection marked as essential" in str(error)


_LOCK_ATTEMPTS = 50


@transaction.atomic
def search_terms_refresh(*, min_records: int | None = None) -> dict[str, int] | None:
    """Choose the search terms afresh: the words in `min_records` records or more
    (settings.STACKS_SEARCH_TERM_RECORDS by default), the commonest
    settings.STACKS_SEARCH_TERMS_MAX of them at most, with each matching record's rank for
    it; words no longer among them lose theirs. Returns the terms and how many records had
    each, or None if writers of the catalog held it off for too long (nothing changed). Run
    after a large import (and by `manage.py refresh_search_terms`); between runs the catalog
    keeps the terms it has, and every search is right either way (only slower for a common
    word not yet a term)."""
    if min_records is None:
        min_records = settings.STACKS_SEARCH_TERM_RECORDS
    with connection.cursor() as cursor:
        # Counted before the lock is taken: which words count as common need not be exact.
        cursor.execute(_COMMON_WORDS, [min_records, settings.STACKS_SEARCH_TERMS_MAX])
        words = {query: (word, records) for query, word, records in cursor.fetchall()}
        if not _terms_lock_exclusive():
            return None
        kept = set(SearchTerm.objects.values_list("query", flat=True))
        cursor.execute(
            "DELETE FROM catalog_searchtermrank WHERE term = ANY(%s)", [sorted(kept - set(words))]
        )
        SearchTerm.objects.all().delete()
        SearchTerm.objects.bulk_create(
            SearchTerm(query=query, word=word, records=records)
            for query, (word, records) in words.items()
        )
        # A new term's matches, from the search vectors' index.
        cursor.execute(
            f"{_RANKS_INSERT} FROM catalog_searchterm t "
            "JOIN catalog_recordsearch s ON s.vector @@ t.query::tsquery "
            "WHERE t.query = ANY(%s)",
            [sorted(set(words) - kept)],
        )
        # Ranks of records deleted without the terms' lock (not through the catalog's
        # services) while a refresh was writing theirs.
        cursor.execute(
            "DELETE FROM catalog_searchtermrank t WHERE NOT EXISTS "
            "(SELECT FROM catalog_recordsearch s WHERE s.record_id = t.record_id)"
        )
        # Planned as the few rows they are, the terms are what each writer's words are
        # looked up in (hashed), not the other way round: 170 ms a chunk against 60.
        cursor.execute(f"ANALYZE {SearchTerm._meta.db_table}")
    return {query: records for query, (_, records) in words.items()}


class Heading(NamedTuple):
    """A contributor or subject as a record links to it: its id and the name it is kept under."""

    pk: int
    name: str


def contributors_get_or_create(names: Iterable[str]) -> dict[str, Heading]:
    """Contributors by name key, creating the missing ones."""
    return contributors_by_key({name_key(n): n.strip()[:500] for n in names if name_key(n)})


def contributors_by_key(wanted: dict[str, str]) -> dict[str, Heading]:
    """Contributors for {name key: name}, creating the missing ones: two statements whatever
    the count (arrays as parameters, so a large import's thousand names cost no more to send)."""
    if not wanted:
        return {}
    keys = list(wanted)
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_contributor (name, name_key) "
            "SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT DO NOTHING",
            [list(wanted.values()), keys],
        )
        cursor.execute(
            "SELECT id, name, name_key FROM catalog_contributor WHERE name_key = ANY(%s)", [keys]
        )
        rows = cursor.fetchall()
    return {key: Heading(pk, name) for pk, name, key in rows}


def subjects_get_or_create(headings: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Heading]:
    """Subjects by (scheme, heading key), creating the missing ones."""
    wanted = {(scheme, name_key(h)): h.strip()[:500] for h, scheme in headings if name_key(h)}
    return subjects_by_key(wanted)


def subjects_by_key(wanted: dict[tuple[str, str], str]) -> dict[tuple[str, str], Heading]:
    """Subjects for {(scheme, heading key): heading}, creating the missing ones; found through
    the (scheme, heading key) unique index."""
    if not wanted:
        return {}
    schemes = [s for s, _ in wanted]
    keys = [k for _, k in wanted]
    with bulk_cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalog_subject (heading, scheme, heading_key) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING",
            [list(wanted.values()), schemes, keys],
        )
        cursor.execute(
            "SELECT s.id, s.heading, s.scheme, s.heading_key FROM catalog_subject s "
            "JOIN unnest(%s::text[], %s::text[]) AS w(scheme, heading_key) "
            "ON s.scheme = w.scheme AND s.heading_key = w.heading_key",
            [schemes, keys],
        )
        rows = cursor.fetchall()
    return {(scheme, key): Heading(pk, heading) for pk, heading, scheme, key in rows}


def _record_fields_apply(record: Record, data: RecordData) -> None:
    if not data.title.strip():
        raise ApplicationError("A record needs a title.", fields={"title": ["required"]})
    record.title = data.title.strip()
    record.subtitle = data.subtitle
    record.publisher = data.publisher
    record.publication_year = data.publication_year
    record.edition = data.edition
    record.language = data.language
    record.series = data.series
    record.summary = data.summary
    record.control_number = data.control_number
    record.control_number_source = data.control_number_source
    if data.source_marc is not None:
        record.source_marc = data.source_marc
    record.sort_title = sort_title_for(record.title, data.nonfiling)


def _record_links_replace(record: Record, data: RecordData) -> None:
    contributors = contributors_get_or_create(name for name, _ in data.contributors)
    subjects = subjects_get_or_create(data.subjects)
    RecordContributor.objects.filter(record=record).delete()
    RecordSubject.objects.filter(record=record).delete()
    Identifier.objects.filter(record=record).delete()
    RecordContributor.objects.bulk_create(
        [
            RecordContributor(
                record=record, contributor_id=contributors[name_key(name)].pk, role=role, position=i
            )
            for i, (name, role) in enumerate(data.contributors)
            if name_key(name)
        ]
    )
    seen_subjects: set[int] = set()
    links = []
    for i, (heading, scheme) in enumerate(data.subjects):
        subject = subjects.get((scheme, name_key(heading)))
        if subject is not None and subject.pk not in seen_subjects:
            seen_subjects.add(subject.pk)
            links.append(RecordSubject(record=record, subject_id=subject.pk, position=i))
    RecordSubject.objects.bulk_create(links)
    identifiers = {(kind, identifier_normalize(kind, value)) for kind, value in data.identifiers}
    Identifier.objects.bulk_create(
        [Identifier(record=record, kind=kind, value=value) for kind, value in sorted(identifiers)]
    )


@transaction.atomic
def record_create(*, data: RecordData) -> Record:
    record = Record()
    _record_fields_apply(record, data)
    record.save()
    _record_links_replace(record, data)
    record_search_refresh([record.pk])
    changes_log(Change.Entity.RECORD, [record.pk], Change.Action.CREATED)
    return record


@transaction.atomic
def record_update(
    *, record_id: int, data: RecordData, expected_version: int | None = None, logged: bool = True
) -> Record:
    """Replace a record's description; with `expected_version`, refuse a stale write (412).
    With `logged` off the caller writes the change-feed entry (an import, in its chunk's)."""
    record = Record.objects.select_for_update().filter(pk=record_id).first()
    if record is None:
        raise NotFound("No such record.")
    _version_check("record", record.version, expected_version)
    _record_fields_apply(record, data)
    record.version = F("version") + 1
    record.save()
    record.refresh_from_db(fields=["version", "updated_at"])
    _record_links_replace(record, data)
    record_search_refresh([record.pk])
    if logged:
        changes_log(Change.Entity.RECORD, [record.pk], Change.Action.UPDATED)
    return record


@transaction.atomic
def record_delete(*, record_id: int, expected_version: int | None = None) -> None:
    """Delete a record and its items; with `expected_version`, refuse a stale delete (412)."""
    search_terms_lock()
    if expected_version is not None:
        record = Record.objects.select_for_update().filter(pk=record_id).first()
        if record is None:
            raise NotFound("No such record.")
        _version_check("record", record.version, expected_version)
    item_ids = list(Item.objects.filter(record_id=record_id).values_list("pk", flat=True))
    deleted, _ = Record.objects.filter(pk=record_id).delete()
    if not deleted:
        raise NotFound("No such record.")
    changes_log(Change.Entity.ITEM, item_ids, Change.Action.DELETED)
    changes_log(Change.Entity.RECORD, [record_id], Change.Action.DELETED)


def location_get_or_create(*, code: str, name: str = "") -> Location:
    code = code.strip()[:32]
    if not code:
        raise ApplicationError("A location needs a code.", fields={"code": ["required"]})
    location, _ = Location.objects.get_or_create(code=code, defaults={"name": name or code})
    return location


def _version_check(entity: str, current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise PreconditionFailed(
            f"The {entity} changed since you read it (version {current}, you sent "
            f"{expected}). Fetch it again and reapply your change."
        )


@transaction.atomic
def location_create(*, code: str, name: str) -> Location:
    code = code.strip()
    if not code:
        raise ApplicationError("A location needs a code.", fields={"code": ["required"]})
    if Location.objects.filter(code=code).exists():
        raise ApplicationError(
            f"A location with code {code!r} already exists.",
            code="location_code_taken",
            fields={"code": [f"A location with code {code!r} already exists."]},
        )
    return Location.objects.create(code=code, name=name.strip() or code)


@transaction.atomic
def location_update(*, location_id: int, code: str, name: str) -> Location:
    location = Location.objects.select_for_update().filter(pk=location_id).first()
    if location is None:
        raise NotFound("No such location.")
    code = code.strip()
    if not code:
        raise ApplicationError("A location needs a code.", fields={"code": ["required"]})
    if Location.objects.filter(code=code).exclude(pk=location_id).exists():
        raise ApplicationError(
            f"A location with code {code!r} already exists.",
            code="location_code_taken",
            fields={"code": [f"A location with code {code!r} already exists."]},
        )
    location.code = code
    location.name = name.strip() or code
    location.save()
    return location


@transaction.atomic
def location_delete(*, location_id: int) -> None:
    location = Location.objects.select_for_update().filter(pk=location_id).first()
    if location is None:
        raise NotFound("No such location.")
    if Item.objects.filter(location_id=location_id).exists():
        raise Conflict(
            "Items are still kept at this location: move them before deleting it.",
            code="location_in_use",
        )
    location.delete()


@dataclass
class ItemData:
    """What an item says, already checked: the input every item write takes."""

    barcode: str
    call_number: str = ""
    location_id: int | None = None
    status: str = Item.Status.AVAILABLE
    price: Decimal | None = None
    acquired_on: date | None = None
    public_note: str = ""
    staff_note: str = ""


def _barcode_taken(barcode: str) -> ApplicationError:
    return ApplicationError(
        f"Barcode {barcode!r} is already used by another item of this library.",
        code="barcode_taken",
        fields={"barcode": [f"Barcode {barcode!r} is already used by another item."]},
    )


def _item_fields_apply(item: Item, data: ItemData) -> None:
    barcode = data.barcode.strip()
    if not barcode:
        raise ApplicationError("An item needs a barcode.", fields={"barcode": ["required"]})
    if data.status not in Item.Status.values:
        raise ApplicationError(
            f"Unknown item status {data.status!r}.", fields={"status": ["invalid"]}
        )
    if data.location_id is not None and not Location.objects.filter(pk=data.location_id).exists():
        raise ApplicationError("No such location.", fields={"location": ["No such location."]})
    if Item.objects.filter(barcode=barcode).exclude(pk=item.pk).exists():
        raise _barcode_taken(barcode)
    item.barcode = barcode
    item.call_number = data.call_number
    item.location_id = data.location_id
    item.status = data.status
    item.price = data.price
    item.acquired_on = data.acquired_on
    item.public_note = data.public_note
    item.staff_note = data.staff_note


def _item_save(item: Item) -> None:
    # The check above answers the common case; the unique index settles a concurrent race.
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise _barcode_taken(item.barcode) from None


@transaction.atomic
def item_create(*, record_id: int, data: ItemData) -> Item:
    if not Record.objects.filter(pk=record_id).exists():
        raise ApplicationError("No such record.", fields={"record": ["No such record."]})
    item = Item(record_id=record_id)
    _item_fields_apply(item, data)
    _item_save(item)
    changes_log(Change.Entity.ITEM, [item.pk], Change.Action.CREATED)
    return item


@transaction.atomic
def item_update(
    *,
    item_id: int,
    data: ItemData,
    record_id: int | None = None,
    expected_version: int | None = None,
) -> Item:
    """Replace an item's description (and move it to another record if `record_id` is given);
    with `expected_version`, refuse a stale write (412)."""
    item = Item.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound("No such item.")
    _version_check("item", item.version, expected_version)
    if record_id is not None and record_id != item.record_id:
        if not Record.objects.filter(pk=record_id).exists():
            raise ApplicationError("No such record.", fields={"record": ["No such record."]})
        item.record_id = record_id
    _item_fields_apply(item, data)
    item.version = F("version") + 1
    _item_save(item)
    item.refresh_from_db(fields=["version", "updated_at"])
    changes_log(Change.Entity.ITEM, [item.pk], Change.Action.UPDATED)
    return item


@transaction.atomic
def item_delete(*, item_id: int, expected_version: int | None = None) -> None:
    item = Item.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound("No such item.")
    _version_check("item", item.version, expected_version)
    item.delete()
    changes_log(Change.Entity.ITEM, [item_id], Change.Action.DELETED)
