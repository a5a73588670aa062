"""Scan-to-add's lookup of an ISBN: the library's own catalog first, then the shared pool,
then the outside sources (together, each within its own timeout). A source that fails is
reported beside the others' results, never raised."""

import logging
import re
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from django.db.models.functions import Length
from django.utils.translation import gettext

from catalog.identifiers import isbn_normalize
from catalog.models import Identifier, Item
from catalog.selectors import record_links_attach, record_list
from catalog.services import (
    RecordData,
    barcodes_held,
    barcodes_matching,
    record_data_of,
    record_description,
)
from cataloguing.drafts import Draft, draft_blank, draft_from_record_data
from cataloguing.sources import Source, SourceFailed, source_label, sources_configured
from tenants.models import Library
from tenants.pool import pool_isbn_lookup

logger = logging.getLogger(__name__)

# Outside lookups share a small pool of threads per process rather than one per request.
_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lookup")
# How many times the next barcode is asked for among more: enough to pass some 15,000 held
# barcodes in a row.
_NEXT_BARCODE_BATCHES = 20
# A new library's first copy is suggested this barcode (or the first after it that no card
# holds): six digits number a library's copies for long, and the copy form says so.
BARCODE_START = "000001"
# The most digits at a barcode's end read as its number (the rest is its prefix).
_BARCODE_DIGITS = 30


@dataclass
class LookupHit:
    source: str  # "catalog", "pool" or an outside source's name
    record: Draft
    record_id: int | None = None  # the catalog's own record
    items: int = 0
    library: str = ""  # the pool: who shares it
    cover_url: str = ""
    original: RecordData | None = None  # an outside source's MARC record, as Found has it

    @property
    def source_label(self) -> str:
        """The outside source as librarians are told it (its configured label)."""
        return source_label(self.source)


@dataclass
class Lookup:
    isbn: str
    hits: list[LookupHit] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # source name: why
    next_barcode: str = ""


def catalog_drafts(record_ids: list[int]) -> dict[int, tuple[Draft, int, int]]:
    """The catalog's records as drafts, with each one's number of copies and version."""
    records = list(record_list().filter(pk__in=record_ids))
    record_links_attach(records)
    counts: dict[int, int] = {record.pk: 0 for record in records}
    for record_id in Item.objects.filter(record_id__in=counts).values_list("record_id", flat=True):
        counts[record_id] += 1
    drafts = {record.pk: draft_from_record_data(record_data_of(record)) for record in records}
    return {record.pk: (drafts[record.pk], counts[record.pk], record.version) for record in records}


def _catalog_hits(isbn: str) -> list[LookupHit]:
    record_ids = list(
        Identifier.objects.filter(kind=Identifier.Kind.ISBN, value=isbn)
        .order_by("record_id")
        .values_list("record_id", flat=True)[:10]
    )
    return catalog_hits(record_ids)


def catalog_hits(record_ids: list[int]) -> list[LookupHit]:
    """The catalog's records as scan-to-add shows them (with their contributors and number of
    copies), in the order given."""
    if not record_ids:
        return []
    drafts = catalog_drafts(record_ids)
    return [
        LookupHit(source="catalog", record_id=pk, items=drafts[pk][1], record=drafts[pk][0])
        for pk in record_ids
        if pk in drafts
    ]


def _pool_hits(isbn: str, library: Library) -> list[LookupHit]:
    hits = []
    for found in pool_isbn_lookup(isbn=isbn, exclude_schema=library.schema_name):
        row = found.record
        hits.append(
            LookupHit(
                source="pool",
                library=found.library_name,
                record=draft_blank(
                    **record_description(row),
                    contributors=[{"name": n, "role": r} for n, r in row.contributors],
                    subjects=[{"heading": h, "scheme": s} for h, s in row.subjects],
                    identifiers=[{"kind": k, "value": v} for k, v in row.identifiers],
                ),
            )
        )
    return hits


def _outside_hits(isbn: str, sources: list[Source], lookup: Lookup) -> None:
    if not sources:
        return
    futures = {_EXECUTOR.submit(source.lookup, isbn): source for source in sources}
    # Each source's own timeout bounds its socket; the wait is a backstop for slow trickles.
    done, _ = wait(futures, timeout=max(s.timeout for s in sources) + 1)
    for future, source in futures.items():
        if future not in done:
            lookup.failures[source.name] = gettext("no answer within %(seconds)s s") % {
                "seconds": f"{source.timeout:g}"
            }
            continue
        try:
            found = future.result()
        except SourceFailed as error:
            lookup.failures[source.name] = str(error)
            continue
        except Exception as error:  # an adapter's bug must not cost the librarian the page
            lookup.failures[source.name] = gettext("unexpected error: %(name)s") % {
                "name": type(error).__name__
            }
            continue
        lookup.hits.extend(
            LookupHit(
                source=source.name, record=f.record, cover_url=f.cover_url, original=f.original
            )
            for f in found
        )
    for name, why in lookup.failures.items():
        # The page tells librarians the source could not be reached; why is for the operator.
        logger.warning("ISBN %s: source %s failed: %s", isbn, name, why)


def barcode_series() -> tuple[str, int, int] | None:
    """The numbering the next copy's barcode continues, as (prefix, width, next number): that
    of the library's latest copy whose barcode ends in digits (a prefix of anything, such as
    `BU` in `BU000108`, then its number), going on after the highest number of that prefix and
    width. None when no copy's barcode ends in digits."""
    latest = (
        Item.objects.filter(barcode__regex=r"[0-9]$")
        .order_by("-pk")
        .values_list("barcode", flat=True)
        .first()
    )
    if latest is None:
        return None
    width = min(len(latest) - len(latest.rstrip("0123456789")), _BARCODE_DIGITS)
    prefix = latest[:-width]
    # One prefix and one width: the greatest string is the greatest number.
    highest = (
        Item.objects.annotate(width=Length("barcode"))
        .filter(
            barcode__startswith=prefix,
            width=len(prefix) + width,
            barcode__regex=rf"[0-9]{{{width}}}$",
        )
        .order_by("-barcode")
        .values_list("barcode", flat=True)
        .first()
    )
    return prefix, width, int((highest or latest)[len(prefix) :]) + 1


def next_barcode() -> str:
    """The barcode suggested for a new copy, wherever one is: the first after the library's
    numbering (`barcode_series`), at the same width, that no copy and no patron's card holds
    in any case (saving a held one is refused); from BARCODE_START on when the library has no
    copy yet. "" when no copy's barcode ends in digits (it numbers them otherwise), or the next
    thousands are all held."""
    series = barcode_series()
    if series is not None:
        prefix, width, number = series
    elif not Item.objects.exists():
        prefix, width, number = "", len(BARCODE_START), int(BARCODE_START)
    else:
        return ""
    batch = 16
    for _ in range(_NEXT_BARCODE_BATCHES):
        candidates = [prefix + str(n).zfill(width) for n in range(number, number + batch)]
        copies = barcodes_matching(Item.objects.all(), candidates).values_list("barcode", flat=True)
        held = {barcode.upper() for barcode in copies}
        held.update(barcode.upper() for barcode in barcodes_held(candidates, asking="item"))
        free = [barcode for barcode in candidates if barcode.upper() not in held]
        if free:
            return free[0]
        # A run of cards numbered after the copies is passed in a few questions, not one each.
        number, batch = number + batch, min(batch * 2, 1024)
    return ""


def copy_call_number(record_id: int) -> str:
    """The call number of the record's last copy that has one, for the next copy: copies of
    one book are shelved together ("" for a record without)."""
    copies = Item.objects.filter(record_id=record_id).exclude(call_number="").order_by("-pk")
    return copies.values_list("call_number", flat=True).first() or ""


def isbn_lookup(*, raw_isbn: str, library: Library, sources: list[Source] | None = None) -> Lookup:
    """Look an ISBN (any form) up, best first: the catalog's records (stop there), else the
    pool's (stop there), else every outside source's. InvalidIdentifier if it is no ISBN."""
    isbn = isbn_normalize(re.sub(r"\s", "", raw_isbn))
    lookup = Lookup(isbn=isbn, next_barcode=next_barcode())
    lookup.hits = _catalog_hits(isbn)
    if not lookup.hits:
        lookup.hits = _pool_hits(isbn, library)
    if not lookup.hits:
        _outside_hits(isbn, sources_configured() if sources is None else sources, lookup)
    return lookup


def lookup_as_json(lookup: Lookup) -> dict[str, Any]:
    """The lookup API's answer (`{"results": [{"source", "record", ...}]}`, best first)."""
    results = []
    for hit in lookup.hits:
        result: dict[str, Any] = {"source": hit.source, "record": hit.record}
        if hit.record_id is not None:
            result["record_id"] = hit.record_id
            result["items"] = hit.items
        if hit.library:
            result["library"] = hit.library
        if hit.cover_url:
            result["cover_url"] = hit.cover_url
        results.append(result)
    return {
        "isbn": lookup.isbn,
        "results": results,
        "failures": [{"source": k, "error": v} for k, v in lookup.failures.items()],
        "next_barcode": lookup.next_barcode,
    }
