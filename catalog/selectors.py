"""Reads from the catalog: each returns a QuerySet or plain values for views, API and exports."""

from django.db.models import F, Prefetch, QuerySet

from catalog.models import (
    Change,
    Contributor,
    Identifier,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    Subject,
)
from catalog.services import name_key
from config.errors import NotFound


def catalog_statistics() -> dict[str, int]:
    """Counts of the current library's catalog."""
    return {
        "records": Record.objects.count(),
        "items": Item.objects.count(),
        "items_available": Item.objects.filter(status=Item.Status.AVAILABLE).count(),
    }


def record_list() -> QuerySet[Record]:
    """Records with everything their API and website views show, fetched in a fixed number of
    queries whatever the page size.

    Each record carries its credits, subject links and identifiers as plain lists
    (`credit_list`, `subject_link_list`, `identifier_list`), in order: a list per record costs
    nothing, where a prefetched manager builds a filtered QuerySet for every record of the page.
    Credits carry `contributor_name` and subject links `subject_heading` and `subject_scheme`
    (joined in, one model instance per row instead of two).
    """
    return Record.objects.defer("source_marc", "search_vector").prefetch_related(
        Prefetch(
            "credits",
            queryset=RecordContributor.objects.annotate(contributor_name=F("contributor__name"))
            .only("record_id", "contributor_id", "role")
            .order_by("position"),
            to_attr="credit_list",
        ),
        Prefetch(
            "subject_links",
            queryset=RecordSubject.objects.annotate(
                subject_heading=F("subject__heading"), subject_scheme=F("subject__scheme")
            )
            .only("record_id", "subject_id")
            .order_by("position"),
            to_attr="subject_link_list",
        ),
        Prefetch(
            "identifiers",
            queryset=Identifier.objects.order_by("kind", "id"),
            to_attr="identifier_list",
        ),
    )


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
