"""Reads from the catalog: each returns a QuerySet, records with their links, or plain values."""

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from catalog.images import SIZES, cover_file_name
from catalog.models import (
    Change,
    Contributor,
    Credit,
    IdentifierValue,
    Item,
    Location,
    Record,
    Subject,
    SubjectLink,
)
from catalog.search import Page, Position, RecordFilters, Search, Seek, sql
from catalog.search.keyset import page_of, reading_order
from catalog.text import name_key
from common.errors import ApplicationError, NotFound, first_or_not_found

# The one test of a copy a reader can come and borrow, in every count of available copies: on
# the shelves and kept for nobody (circulation gives a copy trapped for a hold the status
# on_hold_shelf until it is lent to that patron or the hold ends).
ITEM_AVAILABLE = Q(status=Item.Status.AVAILABLE)


def catalog_statistics() -> dict[str, int]:
    """Counts of the current library's catalog."""
    return {
        "records": Record.objects.count(),
        "items": Item.objects.count(),
        "items_available": Item.objects.filter(ITEM_AVAILABLE).count(),
    }


def record_links_attach(records: list[Record]) -> None:
    """Give each record `credit_list`, `subject_link_list` and `identifier_list`, in order,
    from three queries whatever the number of records. Plain tuples, not model instances:
    building an instance per row (and Django's prefetch bookkeeping) cost a page of records
    more than its SQL did."""
    credits: dict[int, list[Credit]] = {record.id: [] for record in records}
    subjects: dict[int, list[SubjectLink]] = {record_id: [] for record_id in credits}
    identifiers: dict[int, list[IdentifierValue]] = {record_id: [] for record_id in credits}
    if records:
        credit_rows, subject_rows, identifier_rows = record_links_rows(list(credits))
        # tuple.__new__ builds each named tuple without the Python call of its constructor,
        # which a page's few hundred links paid once each.
        for record_id, contributor_id, name, role in credit_rows:
            credits[record_id].append(_tuple(Credit, (contributor_id, name, role)))
        for record_id, subject_id, heading, scheme in subject_rows:
            subjects[record_id].append(_tuple(SubjectLink, (subject_id, heading, scheme)))
        for record_id, kind, value in identifier_rows:
            identifiers[record_id].append(_tuple(IdentifierValue, (kind, value)))
    for record in records:
        record.credit_list = credits[record.id]
        record.subject_link_list = subjects[record.id]
        record.identifier_list = identifiers[record.id]


_tuple = tuple.__new__


def record_links_rows(record_ids: list[int]) -> tuple[sql.Rows, sql.Rows, sql.Rows]:
    """The links of these records as rows, each led by its record's id: credits (record_id,
    contributor_id, name, role), subjects (record_id, subject_id, heading, scheme) and
    identifiers (record_id, kind, value), in order, from the queries of record_links_attach.
    For a reader that gives the links a shape of its own (the API's record list): building
    the named tuples first and then its shape from them cost a page more than either."""
    if not record_ids:
        return [], [], []
    return sql.record_links(record_ids)


def records_from(rows: sql.Rows, names: tuple[str, ...] = ()) -> list[Record]:
    """Records built from rows of sql.RECORD_COLUMNS as the ORM builds them (the deferred
    fields load on access), each given the values after those columns as `names`."""
    width = len(sql.RECORD_COLUMNS)
    records = Record.from_rows(connection.alias, sql.RECORD_COLUMNS, [row[:width] for row in rows])
    if names:
        for record, row in zip(records, rows, strict=True):
            for name, value in zip(names, row[width:], strict=True):
                setattr(record, name, value)
    return records


def record_list() -> QuerySet[Record]:
    """Records with the fields their API and website views show (not the MARC source, which
    loads on access). Their links are attached by record_links_attach, or come with the
    records of record_get, record_page and record_slice."""
    return Record.objects.defer(*sql.RECORD_DEFERRED)


# The cursor's mark of a relevance search ranked in full (Position.by); one walked in a
# search term's rank order carries the term ('kor'), always quoted.
_RANKED = "rank"


def record_page(
    *, q: str = "", filters: RecordFilters | None = None, ordering: str | None = None,
    position: Position | None = None, size: int,
) -> Page[Record]:  # fmt: skip
    """record_page_rows' page as records, each with its links (record_links_attach) and the
    annotations of Search.annotations."""
    page = record_page_rows(q=q, filters=filters, ordering=ordering, position=position, size=size)
    names = Search.of(q=q, filters=filters, ordering=ordering).annotations
    records = records_from(page.rows, names)
    record_links_attach(records)
    return Page(records, page.next, page.previous)


def record_page_rows(
    *, q: str = "", filters: RecordFilters | None = None, ordering: str | None = None,
    position: Position | None = None, size: int,
) -> Page[tuple[Any, ...]]:  # fmt: skip
    """One page of a search's records (catalog.search.Search) from a cursor's position, each
    a row of sql.RECORD_COLUMNS followed by the values of Search.annotations, without its
    links (record_links_rows reads them): a page of rows, not of records, for a reader that
    makes its own shape of them (the API's record list, where building a record per row cost
    a page more than its shape did). A search for a text alone in relevance order is ranked
    on the search vectors' table (and the kept ranks of a search term; common words
    together, in their rarest's rank order: sql.words_walked, as the position's `by` says
    past the first page), and the whole catalog in an order of the records' own columns is
    read by a written SELECT; anything else by the ORM. A forged position raises ValueError,
    TypeError, OverflowError or ValidationError."""
    search = Search.of(q=q, filters=filters, ordering=ordering)
    order = reading_order(search.fields, position)
    seek = None if position is None else Seek.of(search.fields, position)
    limit = size + 1  # one more, to know whether there are more
    rows: sql.Rows | None = None
    by = None
    if search.text is not None and search.ordering == "relevance" and not search.filtered:
        # Joined to the records table, PostgreSQL would join every match before ranking.
        descending = order[0].startswith("-")
        # A cursor's search goes on in the order its first page chose, though its estimate
        # may have crossed STACKS_SEARCH_EXACT_UP_TO since: in the other, its position would
        # skip or repeat matches. One without (written before they were told apart) and the
        # first page choose by the estimate.
        by = None if position is None else position.by
        walked = None
        if by != _RANKED:
            walked = sql.words_walked(
                search.text, more_than=settings.STACKS_SEARCH_EXACT_UP_TO, term=by
            )
        if walked is None:
            ranked = sql.ranked_page(search.text, seek=seek, descending=descending, limit=limit)
        else:
            ranked = sql.term_walk_page(
                search.text, walked, seek=seek, descending=descending, limit=limit
            )
        by = walked or _RANKED
        rows = _rows_with_values(ranked)
    elif search.text is None and not search.filtered:
        rows = sql.record_rows_in_order(order, seek, limit)
    if rows is None:
        matches = search.records().order_by(*order)
        if seek is not None:
            matches = matches.filter(seek.condition())
        rows = _fetched(matches[:limit], search, search.annotations)
    columns = (*sql.RECORD_COLUMNS, *search.annotations)
    return page_of(
        rows, ordering=search.fields, position=position, size=size, by=by, columns=columns
    )


def record_slice(
    *, q: str = "", filters: RecordFilters | None = None, ordering: str | None = None,
    offset: int = 0, limit: int, availability: bool = False,
) -> list[Record]:  # fmt: skip
    """The records from `offset` to `offset + limit` of a search (catalog.search.Search),
    each with its links and, with `availability`, its `copies` and `copies_available`."""
    search = Search.of(q=q, filters=filters, ordering=ordering)
    if search.text is not None and search.ordering == "relevance" and not search.filtered:
        # As record_page ranks a text alone: on the vectors' table (or a term's kept ranks),
        # the first pages among the newest STACKS_SEARCH_EXACT_UP_TO matches (all of them,
        # unless the query is common: see ranked_page), or those of common words together
        # in their rarest's kept rank order, as the API's pages are.
        newest: int = settings.STACKS_SEARCH_EXACT_UP_TO
        first_pages = offset + limit <= newest
        walked = sql.words_walked(search.text, more_than=newest) if first_pages else None
        if walked is not None:
            # Ranking thousands of the newest matches' vectors cost more than walking a few
            # dozen of the rarest word's kept ranks.
            ranked = sql.term_walk_page(search.text, walked, seek=None, limit=offset + limit)
            ranked = ranked[offset:]
        else:
            ranked = sql.ranked_page(
                search.text, seek=None, limit=limit, offset=offset,
                among_newest=newest if first_pages else None,
            )  # fmt: skip
        fetched = records_from(_rows_with_values(ranked), ("rank",))
        if availability:
            _availability_attach(fetched)
        record_links_attach(fetched)
        return fetched
    records = search.records()
    names = search.annotations
    if availability:
        records = _with_availability(records)
        names += ("copies", "copies_available")
    fetched = records_from(_fetched(records[offset : offset + limit], search, names), names)
    record_links_attach(fetched)
    return fetched


def _fetched(records: QuerySet[Record], search: Search, names: tuple[str, ...]) -> sql.Rows:
    """The rows (sql.RECORD_COLUMNS, then `names`) of a slice of `search`'s records. A ranked
    one picks its ids and annotations first and then reads those records by id: ranking rows
    that carried every column of every match made a common word's search slower (the sort
    keeps each candidate row whole)."""
    if search.text is None:
        return list(records.values_list(*sql.RECORD_COLUMNS, *names))
    return _rows_with_values(list(records.values_list("pk", *names)))


def _rows_with_values(rows: list[tuple[Any, ...]]) -> sql.Rows:
    """The record rows (sql.RECORD_COLUMNS) of rows (id, *values), in the rows' order, each
    followed by its values; a record deleted since its row was read is left out."""
    if not rows:
        return []
    by_id = {row[0]: row for row in sql.record_rows_by_id([row[0] for row in rows])}
    found = []
    for pk, *values in rows:
        row = by_id.get(pk)
        if row is not None:
            found.append((*row, *values))
    return found


def _availability_attach(records: list[Record]) -> None:
    """Give each record `copies` and `copies_available`, as _with_availability counts them."""
    counts = {
        row["record"]: row
        for row in Item.objects.filter(record__in=[r.pk for r in records])
        .order_by()
        .values("record")
        .annotate(copies=Count("id"), available=Count("id", filter=ITEM_AVAILABLE))
    }
    for record in records:
        row = counts.get(record.pk, {})
        record.copies = row.get("copies", 0)  # type: ignore[attr-defined]
        record.copies_available = row.get("available", 0)  # type: ignore[attr-defined]


def _with_availability(records: QuerySet[Record]) -> QuerySet[Record]:
    """Records carrying `copies` and `copies_available`, counted in the same query."""

    def counted(items: QuerySet[Item]) -> Coalesce:
        counts = items.filter(record=OuterRef("pk")).order_by().values("record")
        return Coalesce(
            Subquery(counts.annotate(n=Count("id")).values("n")[:1]), 0,
            output_field=IntegerField(),
        )  # fmt: skip

    return records.annotate(
        copies=counted(Item.objects.all()),
        copies_available=counted(Item.objects.filter(ITEM_AVAILABLE)),
    )


def record_availability(*, record_ids: tuple[int, ...]) -> list[dict[str, Any]]:
    """How many copies each record has, by status and by location, in the order asked (ids
    the catalog does not have are left out): one query, whatever the number of records."""
    rows = (
        Record.objects.filter(pk__in=record_ids)
        .order_by()
        .values_list("pk", "items__status", "items__location__code", "items__location__name")
        .annotate(copies=Count("items__id"))
    )
    statuses = Item.Status.values
    found: dict[int, dict[str, Any]] = {}
    places: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for record_id, status, code, name, copies in rows:
        record = found.setdefault(
            record_id,
            {"record": record_id, "total": 0, "by_status": dict.fromkeys(statuses, 0)},
        )
        if not copies:
            continue  # a record without copies
        record["total"] += copies
        record["by_status"][status] = record["by_status"].get(status, 0) + copies
        place = places[record_id].setdefault(
            code or "",
            {"code": code or "", "name": name or "", "total": 0,
             "by_status": dict.fromkeys(statuses, 0)},
        )  # fmt: skip
        place["total"] += copies
        place["by_status"][status] = place["by_status"].get(status, 0) + copies
    answer = []
    for record_id in dict.fromkeys(record_ids):
        if record_id in found:
            by_code = places.get(record_id, {})
            answer.append(found[record_id] | {"by_location": [by_code[c] for c in sorted(by_code)]})
    return answer


def record_get(*, record_id: int) -> Record:
    """A record with its links."""
    record = first_or_not_found(record_list().filter(pk=record_id), _("No such record."))
    record_links_attach([record])
    return record


def record_cover_file(*, record_id: int, token: str, size: str) -> str:
    """The storage name of a record's cover at `size`, if `token` names its current cover."""
    cover = Record.objects.filter(pk=record_id).values_list("cover", flat=True).first()
    if not cover or cover.rsplit("/", 1)[-1] != token or size not in SIZES:
        raise NotFound(_("This record has no such cover."))
    return cover_file_name(cover, size)


def item_list(
    *, record_id: int | None = None, barcode: str | None = None, status: str | None = None,
    location: str | None = None, barcodes: "tuple[str, ...] | None" = None,
) -> QuerySet[Item]:  # fmt: skip
    items = Item.objects.select_related("location")
    if barcodes is not None:
        items = items.filter(barcode__in=[b.strip() for b in barcodes])
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
    return first_or_not_found(item_list().filter(pk=item_id), _("No such item."))


def barcode_as_stored(rows: QuerySet[Any], barcode: str) -> str:
    """`barcode` as one of `rows` has it: itself when one matches exactly, else the one row's
    barcode that matches it in another case (a scanner or a hand with caps lock), else as
    given. Barcodes are unique only as written, so a case-blind match must be the only one."""
    if not barcode or rows.filter(barcode=barcode).exists():
        return barcode
    found = list(rows.filter(barcode__iexact=barcode).values_list("barcode", flat=True)[:2])
    return found[0] if len(found) == 1 else barcode


def item_get_by_barcode(*, barcode: str) -> Item:
    """The copy with this barcode in whatever case it is given, as the desk finds it."""
    stored = barcode_as_stored(Item.objects.all(), barcode.strip())
    item = item_list(barcode=stored).first() if stored else None
    if item is not None:
        return item
    if stored and Item.objects.filter(barcode__iexact=stored).exists():
        raise NotFound(
            _(
                "Several items have this barcode in upper or lower case: give it exactly as "
                "printed."
            ),
            code="barcode_ambiguous",
        )
    raise NotFound(_("No item has this barcode."))


def location_list() -> QuerySet[Location]:
    return Location.objects.all()


def location_get(*, location_id: int) -> Location:
    return first_or_not_found(Location.objects.filter(pk=location_id), _("No such location."))


def contributor_list(*, name: str | None = None) -> QuerySet[Contributor]:
    contributors = Contributor.objects.all()
    if name:
        contributors = contributors.filter(name_key__startswith=name_key(name))
    return contributors


def contributor_get(*, contributor_id: int) -> Contributor:
    return first_or_not_found(
        Contributor.objects.filter(pk=contributor_id), _("No such contributor.")
    )


def subject_list(*, heading: str | None = None, scheme: str | None = None) -> QuerySet[Subject]:
    subjects = Subject.objects.all()
    if heading:
        subjects = subjects.filter(heading_key__startswith=name_key(heading))
    if scheme:
        subjects = subjects.filter(scheme=scheme)
    return subjects


def subject_get(*, subject_id: int) -> Subject:
    return first_or_not_found(Subject.objects.filter(pk=subject_id), _("No such subject."))


def change_bodies_get(*, changes: list[Change]) -> dict[tuple[str, int], Record | Item]:
    """The current record or item of each change not a deletion, by (entity, id): two queries
    for the objects (and three for the records' links) whatever the number of changes."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        if change.action != Change.Action.DELETED:
            wanted[change.entity].add(change.entity_id)
    records = list(record_list().filter(pk__in=wanted[Change.Entity.RECORD]))
    record_links_attach(records)
    items = item_list().filter(pk__in=wanted[Change.Entity.ITEM])
    bodies: dict[tuple[str, int], Record | Item] = {}
    bodies |= {(Change.Entity.RECORD, r.pk): r for r in records}
    bodies |= {(Change.Entity.ITEM, i.pk): i for i in items}
    return bodies


def change_list(*, since: int = 0) -> QuerySet[Change]:
    """The change feed after the cursor `since` (a change id), oldest first."""
    return Change.objects.filter(pk__gt=since).order_by("pk")


def change_since_check(*, since: int) -> None:
    """Refuse a cursor past the end of the feed: a client holding a wrong one would otherwise
    skip every change up to it. Called after the feed was read, so the end it compares with
    is no earlier than any cursor the feed has given out."""
    last = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if since > last:
        message = _(
            "Position %(since)s is past the end of this library's change feed, whose last "
            'position is %(last)s: resume from a next_cursor the feed gave, or "0".'
        ) % {"since": since, "last": last}
        raise ApplicationError.of_field("since", message, code="cursor_past_end")
