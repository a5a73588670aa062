"""The platform's shared pool of records: sharing libraries' bibliographic data, read from
each one's change feed, for scan-to-add and the union search on the platform host."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchRank
from django.db import connection, transaction
from django.db.models import F
from django_tenants.utils import schema_context

from catalog.identifiers import InvalidIdentifier, isbn_looks_like, isbn_normalize
from catalog.models import Change, Identifier, Record
from catalog.search.match import search_query
from catalog.selectors import record_links_attach, record_list
from catalog.services import RECORD_DESCRIPTION, record_description
from catalog.text import search_fold_sql, search_forms, search_text_sql
from common.tasks import task_enqueue, task_name
from tenants.models import Library, PoolFeed, PoolRecord

POOL_SYNC = task_name("worker.pool_sync")
# Records read per cycle of one library; a bigger backlog carries on in the next task.
BATCH = 2000

# What the pool takes from a record: its description, never its copies or staff's data.
POOL_FIELDS = RECORD_DESCRIPTION


def _descriptions(record_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The shareable description of each record that still exists, read in the current schema."""
    records = list(record_list().filter(pk__in=record_ids))
    record_links_attach(records)
    return {
        record.pk: {
            "id": record.pk,
            **record_description(record),
            "contributors": [[c.contributor_name, c.role] for c in record.credit_list],
            "subjects": [[s.subject_heading, s.subject_scheme] for s in record.subject_link_list],
            "identifiers": [[i.kind, i.value] for i in record.identifier_list],
        }
        for record in records
    }


# The pool's search text, folded as the catalog's (catalog.text.search_text_sql): "Garcia
# Marquez" finds "García Márquez", "obrien" finds "O'Brien". The contributors' names are read
# from the JSON array's text, whose brackets and quotes the parser drops: a correlated
# subquery over jsonb_array_elements is SQL a Citus coordinator cannot plan.
_TITLES = "title || ' ' || subtitle"
_CONTRIBUTOR_NAMES = "jsonb_path_query_array(contributors, '$[*][0]')::text"
_POOL_VECTOR = (
    f"setweight(to_tsvector('simple', {search_text_sql(_TITLES)}), 'A')"
    f" || setweight(to_tsvector('simple', {search_text_sql(_CONTRIBUTOR_NAMES)}), 'B')"
    " || setweight(to_tsvector('simple', array_to_string(isbns, ' ')), 'A')"
)


def _vector_refresh(library_id: int, record_ids: Iterable[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tenants_poolrecord SET vector = {_POOL_VECTOR} "  # noqa: S608 - no input
            "WHERE library_id = %s AND record_id = ANY(%s)",
            [library_id, list(record_ids)],
        )


def pool_vectors_refold() -> int:
    """Build anew the vectors of the pool's records with text that search folding changes
    (written before the pool's search read text without accents, then without apostrophes
    inside words); returns how many."""
    text = f"{_TITLES} || ' ' || {_CONTRIBUTOR_NAMES}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tenants_poolrecord SET vector = {_POOL_VECTOR} "  # noqa: S608 - no input
            f"WHERE {search_fold_sql(text)} <> {text}"
        )
        return cursor.rowcount


def _pool_write(library: Library, record_ids: list[int], found: dict[int, dict[str, Any]]) -> None:
    PoolRecord.objects.filter(library=library, record_id__in=record_ids).exclude(
        record_id__in=list(found)
    ).delete()
    rows = [
        PoolRecord(
            library=library,
            record_id=record_id,
            isbns=sorted(v for k, v in data["identifiers"] if k == Identifier.Kind.ISBN),
            **{k: data[k] for k in (*POOL_FIELDS, "contributors", "subjects", "identifiers")},
        )
        for record_id, data in found.items()
    ]
    PoolRecord.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["library", "record_id"],
        update_fields=[*POOL_FIELDS, "contributors", "subjects", "identifiers", "isbns"],
    )
    _vector_refresh(library.pk, found)


@transaction.atomic
def pool_sync(*, library_id: int) -> bool:
    """Bring one library's share of the pool up to date with its change feed; True when more
    of the feed waits. A library that stopped sharing (or is gone) leaves the pool."""
    library = Library.objects.filter(pk=library_id).first()
    if library is None or not library.share_records or not library.is_active:
        PoolRecord.objects.filter(library_id=library_id).delete()
        PoolFeed.objects.filter(library_id=library_id).delete()
        return False
    feed, created = PoolFeed.objects.select_for_update().get_or_create(library=library)
    with schema_context(library.schema_name):
        if created:
            # Joining: everything the library has now, then the feed from this point on.
            position = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
            ids = list(Record.objects.order_by("id").values_list("id", flat=True))
            more = False
        else:
            changes = list(
                Change.objects.filter(id__gt=feed.position, entity=Change.Entity.RECORD)
                .order_by("id")
                .values_list("id", "entity_id")[:BATCH]
            )
            if not changes:
                return False
            position = changes[-1][0]
            ids = sorted({entity_id for _, entity_id in changes})
            more = len(changes) == BATCH
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH):
            found.update(_descriptions(ids[start : start + BATCH]))
    _pool_write(library, ids, found)
    PoolFeed.objects.filter(pk=feed.pk).update(position=position)
    return more


def pool_sync_queue(*, library_id: int) -> None:
    task_enqueue(POOL_SYNC, library_id)


def pool_libraries() -> list[int]:
    """The libraries the pool's worker visits in a cycle: those sharing, and those still in
    the pool that stopped (their records are removed)."""
    sharing = set(
        Library.objects.filter(share_records=True, status=Library.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    return sorted(sharing | set(PoolFeed.objects.values_list("library_id", flat=True)))


@dataclass
class PoolHit:
    """A pool record, with the library that shares it."""

    record: PoolRecord
    library_name: str
    library_host: str


def _hits(rows: Iterable[PoolRecord]) -> list[PoolHit]:
    rows = list(rows)
    hosts: dict[int, str] = {}
    for library_id, domain in (
        Library.objects.filter(pk__in={r.library_id for r in rows})
        .filter(domains__is_primary=True)
        .values_list("pk", "domains__domain")
    ):
        hosts[library_id] = domain
    names = dict(
        Library.objects.filter(pk__in={r.library_id for r in rows}).values_list("pk", "name")
    )
    return [PoolHit(r, names.get(r.library_id, ""), hosts.get(r.library_id, "")) for r in rows]


def pool_isbn_lookup(*, isbn: str, exclude_schema: str = "", limit: int = 10) -> list[PoolHit]:
    """Pool records with this ISBN-13 (another library's first), from sharing libraries only."""
    rows = (
        PoolRecord.objects.filter(isbns__contains=[isbn], library__share_records=True)
        .exclude(library__schema_name=exclude_schema)
        .order_by("-updated_at")[:limit]
    )
    return _hits(rows)


@dataclass
class PoolGroup:
    """Union search: the pool's records of one ISBN (or one record without an ISBN)."""

    key: str
    title: str
    hits: list[PoolHit]


def _isbn_in(query: str) -> str:
    """The ISBN-13 a query is, in any form, or "" (then its words are searched)."""
    if not isbn_looks_like(query):
        return ""
    try:
        return isbn_normalize(query)
    except InvalidIdentifier:
        return ""


def pool_search(*, query: str, limit: int = 50) -> list[PoolGroup]:
    """The pool's records matching the words, best first, grouped by their first ISBN."""
    if not query.strip():
        return []
    rows: Iterable[PoolRecord]
    isbn = _isbn_in(query)
    if isbn:
        rows = PoolRecord.objects.filter(isbns__contains=[isbn], library__share_records=True)
        rows = rows.order_by("library_id", "record_id")[: limit * 4]
    else:
        search = search_query(search_forms(query), config="simple")
        rows = (
            PoolRecord.objects.filter(vector=search, library__share_records=True)
            .annotate(rank=SearchRank(F("vector"), search))
            .order_by("-rank", "library_id", "record_id")[: limit * 4]
        )
    groups: dict[str, PoolGroup] = {}
    for hit in _hits(rows):
        isbns = hit.record.isbns
        key = isbns[0] if isbns else f"{hit.record.library_id}:{hit.record.record_id}"
        group = groups.get(key)
        if group is None:
            if len(groups) >= limit:
                continue
            group = groups[key] = PoolGroup(key=key, title=hit.record.title, hits=[])
        group.hits.append(hit)
    return list(groups.values())
