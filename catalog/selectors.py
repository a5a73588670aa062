"""Reads from the catalog: each returns a QuerySet or plain values for views, API and exports."""

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, cast

from django.db import connection, connections
from django.db.models import Field, Q, QuerySet, Value
from django.db.models.query import ModelIterable

from catalog.models import (
    Change,
    Contributor,
    Credit,
    Identifier,
    IdentifierValue,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    Subject,
    SubjectLink,
)
from catalog.text import name_key
from common.errors import NotFound


def catalog_statistics() -> dict[str, int]:
    """Counts of the current library's catalog."""
    return {
        "records": Record.objects.count(),
        "items": Item.objects.count(),
        "items_available": Item.objects.filter(status=Item.Status.AVAILABLE).count(),
    }


# The three link queries of record_links_attach, by id array: written out rather than built by
# the ORM, whose filter over a page of ids cost more to compile than the query took to run.
_CREDITS_SQL = f"""
    SELECT rc.record_id, rc.contributor_id, c.name, rc.role
    FROM {RecordContributor._meta.db_table} rc
    JOIN {Contributor._meta.db_table} c ON c.id = rc.contributor_id
    WHERE rc.record_id = ANY(%s) ORDER BY rc.position, rc.id"""  # noqa: S608 - table names only
_SUBJECTS_SQL = f"""
    SELECT rs.record_id, rs.subject_id, s.heading, s.scheme
    FROM {RecordSubject._meta.db_table} rs
    JOIN {Subject._meta.db_table} s ON s.id = rs.subject_id
    WHERE rs.record_id = ANY(%s) ORDER BY rs.position, rs.id"""  # noqa: S608 - table names only
_IDENTIFIERS_SQL = f"""
    SELECT record_id, kind, value FROM {Identifier._meta.db_table}
    WHERE record_id = ANY(%s) ORDER BY kind, id"""  # noqa: S608 - table names only


def record_links_attach(records: list[Record]) -> None:
    """Give each record `credit_list`, `subject_link_list` and `identifier_list`, in order,
    from three queries whatever the number of records. Plain tuples, not model instances:
    building an instance per row (and Django's prefetch bookkeeping) cost a page of records
    more than its SQL did."""
    ids = [record.pk for record in records]
    credits: dict[int, list[Credit]] = defaultdict(list)
    subjects: dict[int, list[SubjectLink]] = defaultdict(list)
    identifiers: dict[int, list[IdentifierValue]] = defaultdict(list)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_CREDITS_SQL, [ids])
            for record_id, contributor_id, name, role in cursor.fetchall():
                credits[record_id].append(Credit(contributor_id, name, role))
            cursor.execute(_SUBJECTS_SQL, [ids])
            for record_id, subject_id, heading, scheme in cursor.fetchall():
                subjects[record_id].append(SubjectLink(subject_id, heading, scheme))
            cursor.execute(_IDENTIFIERS_SQL, [ids])
            for record_id, kind, value in cursor.fetchall():
                identifiers[record_id].append(IdentifierValue(kind, value))
    for record in records:
        record.credit_list = credits.get(record.pk, [])
        record.subject_link_list = subjects.get(record.pk, [])
        record.identifier_list = identifiers.get(record.pk, [])


@dataclass(frozen=True)
class Seek:
    """Where a keyset page starts: the rows after (or before) a position in an ordering whose
    fields all run the same way and end in a unique one, e.g. ("-rank", "-id") and the last
    row's (rank, id). `inclusive` takes the row at the position itself too."""

    fields: tuple[str, ...]
    values: tuple[Any, ...]
    before: bool
    inclusive: bool = False

    @property
    def operator(self) -> str:
        return ("<" if self.before else ">") + ("=" if self.inclusive else "")

    def condition(self) -> Q:
        """The row comparison (fields) < (values), or >, written as the ORM can."""
        lookup = "lt" if self.before else "gt"
        last = len(self.fields) - 1
        condition = Q()
        for i, name in enumerate(self.fields):
            final = lookup + ("e" if self.inclusive and i == last else "")
            equal = {self.fields[j]: self.values[j] for j in range(i)}
            condition |= Q(**equal, **{f"{name}__{final}": self.values[i]})
        return condition


class RecordsWithLinks(QuerySet[Record]):
    """Records that, once fetched as instances, carry their links (record_links_attach).

    `prefetch_related(None)` drops the links as it drops any prefetch, for callers that fetch
    their own."""

    with_links = True
    # A text search with nothing else to match (see ranked_from), the number of conditions the
    # query had then, and where a cursor's page starts (see seek).
    _ranking: Any = None
    _ranking_conditions = 0
    _seek: Seek | None = None

    def _clone(self) -> "RecordsWithLinks":
        # QuerySet._clone is private: django-stubs leaves it out.
        clone: RecordsWithLinks = super()._clone()  # type: ignore[misc]
        clone.with_links = self.with_links
        clone._ranking = self._ranking
        clone._ranking_conditions = self._ranking_conditions
        clone._seek = self._seek
        return clone

    def ranked_from(self, text: Any) -> "RecordsWithLinks":
        """Say that these records are exactly those `text` (a catalog.search.TextMatch)
        matches, ranked by its rank: a page of them is then ranked over the search vectors'
        own table, without reading the records table for every match. Any condition added
        later other than one seek turns this off."""
        clone: RecordsWithLinks = self._chain()  # type: ignore[attr-defined]
        clone._ranking = text
        clone._ranking_conditions = len(self.query.where.children)
        return clone

    def seek(self, seek: Seek) -> "RecordsWithLinks":
        """The records from a cursor's position on (see Seek)."""
        clone = self.filter(seek.condition())
        clone._seek = seek
        return clone

    def prefetch_related(self, *lookups: Any) -> "RecordsWithLinks":
        clone = super().prefetch_related(*lookups)
        if lookups == (None,):
            clone.with_links = False
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        models = fresh and self._iterable_class is ModelIterable
        if models and self._a_ranked_page():
            self._result_cache = self._ranked_page_fetch()
        elif models and (page := self._plain_page()) is not None:
            self._result_cache = page
        # Fetches what is not fetched yet, and runs the prefetches either way.
        super()._fetch_all()
        if fresh and self.with_links and self._iterable_class is ModelIterable:
            record_links_attach(self._result_cache)  # type: ignore[arg-type]

    def _a_ranked_page(self) -> bool:
        """One page of a text search: the records matching it are ranked to pick the page."""
        rank = self.query.annotations.get("rank")
        return self.query.high_mark is not None and rank is not None and not isinstance(rank, Value)

    def _ranked_page_fetch(self) -> list[Record]:
        """The page's ids and annotations (rank, ordering keys) first, ranking only those
        over every match, then the page's records by id: ranking rows that carried every
        column of every match made a common word's search a fifth slower (the sort keeps each
        candidate row whole), and matching and ranking the page's records a second time cost
        more to build than to run. A record deleted in between is left out of the page; its
        links are attached once, to the whole page, by the caller."""
        names = list(self.query.annotations)
        ranked = self._ranked_from_vectors(names)
        if ranked is None:
            ranked = list(self.values_list("pk", *names))
        if not ranked:
            return []
        by_id = {record.pk: record for record in self._records_by_id([row[0] for row in ranked])}
        records = []
        for pk, *values in ranked:
            record = by_id.get(pk)
            if record is not None:
                for name, value in zip(names, values, strict=True):
                    setattr(record, name, value)
                records.append(record)
        return records

    def _plain_page(self) -> list[Record] | None:
        """A page of every record in an order of their own columns (the record list: newest,
        title, updated), from a cursor's position at most, read by a written SELECT; None for
        any other query, which the ORM runs. Building the page's SELECT with the ORM cost the
        list a fifth of its time in Python, more than running it."""
        query = self.query
        if not self._a_plain_slice(conditions=0) or query.annotations or query.select_related:
            return None
        seek = self._seek
        fields, deferred = query.deferred_loading
        if not deferred or not all(isinstance(field, str) for field in query.order_by):
            return None
        ordering = tuple(str(field) for field in query.order_by)
        if seek is not None and seek.fields != tuple(f.lstrip("-") for f in ordering):
            return None
        written = _page_sql(frozenset(fields), ordering, seek.operator if seek else None)
        if written is None:
            return None
        names, columns, sql = written
        params: list[Any] = []
        if seek is not None:
            # As the ORM's filter would: each value checked and converted by its field (a
            # forged cursor's raises ValidationError, TypeError or ValueError).
            db = connections[self.db]
            params = [
                field.get_db_prep_value(value, db, prepared=False)
                for field, value in zip(columns, seek.values, strict=True)
            ]
        high = cast(int, query.high_mark)  # a slice's
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [*params, high - query.low_mark, query.low_mark])
            return [Record.from_db(self.db, names, row) for row in cursor.fetchall()]

    def _a_plain_slice(self, *, conditions: int) -> bool:
        """A slice in a plain ORDER BY of this QuerySet's `conditions` and at most one seek,
        with nothing else that would change the SQL a written page must equal (DISTINCT,
        extra(), a union, FOR UPDATE)."""
        query = self.query
        if query.high_mark is None or not query.order_by or not query.standard_ordering:
            return False
        if query.distinct or query.extra or query.extra_tables or query.extra_order_by:
            return False
        if query.combinator or query.select_for_update:
            return False
        seeks = 0 if self._seek is None else 1
        return len(query.where.children) == conditions + seeks

    def _records_by_id(self, ids: list[int]) -> list[Record]:
        """The records with these ids, with the fields this QuerySet loads: by a written
        query when it only defers fields of the record (building the same SELECT with the ORM
        cost more than running it)."""
        fields, deferred = self.query.deferred_loading
        written = _records_by_id_sql(frozenset(fields)) if deferred else None
        if written is None or self.query.select_related:
            page = self.model._base_manager.using(self.db).filter(pk__in=ids)
            return list(page.defer(*fields) if deferred else page.only(*fields))
        names, sql = written
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [ids])
            return [Record.from_db(self.db, names, row) for row in cursor.fetchall()]

    def _ranked_from_vectors(self, names: list[str]) -> list[tuple[Any, ...]] | None:
        """The page's (id, rank) from the search vectors' table alone, when the records are
        a plain text search (ranked_from) in relevance order, from a cursor's position at
        most; None otherwise. Joined to the records table, PostgreSQL would join every match
        before ranking them."""
        query = self.query
        if self._ranking is None or names != ["rank"]:
            return None
        if not self._a_plain_slice(conditions=self._ranking_conditions):
            return None
        high = cast(int, query.high_mark)  # a slice's
        ordering = []
        for field in query.order_by:
            if not isinstance(field, str) or field.lstrip("-") not in _ON_VECTORS:
                return None
            ordering.append(field[: field.count("-")] + _ON_VECTORS[field.lstrip("-")])
        seek = self._seek
        if seek is not None:
            if not all(field in _ON_VECTORS for field in seek.fields):
                return None
            seek = replace(seek, fields=tuple(_ON_VECTORS[field] for field in seek.fields))
        page: list[tuple[Any, ...]] = self._ranking.ranked_page(
            ordering=ordering, seek=seek, offset=query.low_mark, limit=high - query.low_mark,
            using=self.db,
        )  # fmt: skip
        return page


_RECORDS_TABLE = connection.ops.quote_name(Record._meta.db_table)


@cache
def _records_select(deferred: frozenset[str]) -> tuple[list[str], str] | None:
    """The attribute names and the SELECT ... FROM of the records' fields but `deferred`; None
    if a name there is not a field of the record's own (the ORM then decides)."""
    fields = Record._meta.concrete_fields
    if not deferred <= {f.name for f in fields} | {f.attname for f in fields}:
        return None
    loaded = [f for f in fields if f.name not in deferred and f.attname not in deferred]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in loaded)
    return [f.attname for f in loaded], f"SELECT {columns} FROM {_RECORDS_TABLE}"  # noqa: S608 - names from the model


def _records_by_id_sql(deferred: frozenset[str]) -> tuple[list[str], str] | None:
    """The attribute names and SELECT of the records by an id array, leaving out `deferred`
    fields; None if a name there is not a field of the record's own."""
    select = _records_select(deferred)
    return None if select is None else (select[0], f"{select[1]} WHERE id = ANY(%s)")


@cache
def _page_sql(
    deferred: frozenset[str], ordering: tuple[str, ...], operator: str | None
) -> tuple[list[str], list[Field], str] | None:
    """The attribute names, the ordering's fields and the SELECT of a page of the records in
    `ordering` (names of their own columns, none of which may be null, all run the same
    way), past a position (a row comparison by `operator`) if it says one; None if the
    ordering names anything else."""
    select = _records_select(deferred)
    if select is None or len({field.startswith("-") for field in ordering}) != 1:
        return None
    own = {field.name: field for field in Record._meta.concrete_fields}
    fields = []
    for name in ordering:
        field = own.get("id" if name.lstrip("-") == "pk" else name.lstrip("-"))
        if field is None or field.is_relation or field.null:
            return None
        fields.append(field)
    quoted = [connection.ops.quote_name(str(field.column)) for field in fields]
    where = ""
    if operator is not None:
        where = f" WHERE ({', '.join(quoted)}) {operator} ({', '.join(['%s'] * len(fields))})"
    way = " DESC" if ordering[0].startswith("-") else ""
    order = ", ".join(f"{column}{way}" for column in quoted)
    sql = f"{select[1]}{where} ORDER BY {order} LIMIT %s OFFSET %s"
    return select[0], fields, sql


# What a ranked page's ordering and seek may name, and the same on the vectors' table.
_ON_VECTORS = {"rank": "rank", "pk": "record_id", "id": "record_id"}


def record_list() -> QuerySet[Record]:
    """Records with everything their API and website views show, fetched in a fixed number of
    queries whatever the page size: each record carries `credit_list` (contributor_id,
    contributor_name, role), `subject_link_list` (subject_id, subject_heading, subject_scheme)
    and `identifier_list` (kind, value), in order."""
    return RecordsWithLinks(Record).defer("source_marc")


def record_get(*, record_id: int) -> Record:
    record = record_list().filter(pk=record_id).first()
    if record is None:
        raise NotFound("No such record.")
    return record


def item_list(
    *, record_id: int | None = None, barcode: str | None = None, status: str | None = None,
    location: str | None = None,
) -> QuerySet[Item]:  # fmt: skip
    items = Item.objects.select_related("location")
    if record_id is not None:
        items = items.filter(record_id=record_id)
    if barcode is not None:
        items = items.filter(barcode=barcode.strip())
    if status is not None:
        items = items.filter(status=status)
    if location is not None:
        items = items.filter(location__code=location)
    return items


def item_get(*, item_id: int) -> Item:
    item = item_list().filter(pk=item_id).first()
    if item is None:
        raise NotFound("No such item.")
    return item


def item_get_by_barcode(*, barcode: str) -> Item:
    item = item_list(barcode=barcode).first()
    if item is None:
        raise NotFound("No item has this barcode.")
    return item


def location_list() -> QuerySet[Location]:
    return Location.objects.all()


def location_get(*, location_id: int) -> Location:
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise NotFound("No such location.")
    return location


def contributor_list(*, name: str | None = None) -> QuerySet[Contributor]:
    contributors = Contributor.objects.all()
    if name:
        contributors = contributors.filter(name_key__startswith=name_key(name))
    return contributors


def contributor_get(*, contributor_id: int) -> Contributor:
    contributor = Contributor.objects.filter(pk=contributor_id).first()
    if contributor is None:
        raise NotFound("No such contributor.")
    return contributor


def subject_list(*, heading: str | None = None, scheme: str | None = None) -> QuerySet[Subject]:
    subjects = Subject.objects.all()
    if heading:
        subjects = subjects.filter(heading_key__startswith=name_key(heading))
    if scheme:
        subjects = subjects.filter(scheme=scheme)
    return subjects


def subject_get(*, subject_id: int) -> Subject:
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("No such subject.")
    return subject


def change_list(*, since: int = 0) -> QuerySet[Change]:
    """The change feed after the cursor `since` (a change id), oldest first."""
    return Change.objects.filter(pk__gt=since).order_by("pk")
