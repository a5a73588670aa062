"""The workspace's pages: /staff/add/ looks a scanned or typed ISBN up and saves a record
with its copy (or a copy of a record the library has) in one step."""

from typing import Any, NamedTuple

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog.identifiers import InvalidIdentifier
from catalog.models import Location, Record
from catalog.services import item_create
from cataloguing.forms import CoverOfferForm, IsbnForm, ItemForm, RecordForm
from cataloguing.lookup import Lookup, LookupHit, catalog_hits, isbn_lookup, next_barcode
from cataloguing.services import record_cover_fetch, record_with_item_create
from cataloguing.sources import source_labels
from common.errors import ApplicationError
from common.numbers import whole_number
from staff.roles import may_catalogue, policy_required
from tenants.models import Library


def _library(request: HttpRequest) -> Library:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


# The session keeps the location a librarian last saved a copy at, so a run of scans of one
# shelf's books goes on there without choosing it again.
LAST_LOCATION = "cataloguing.last_location"


class LocationOffered(NamedTuple):
    location: Location | None
    why: str  # "last", "default", "only", "choose" (several, none preselected) or "none"


def _location_offered(request: HttpRequest) -> LocationOffered:
    """The location a new copy is preselected at: the one last chosen in this session, else
    the library's default, else the library's only one. A scanner's Enter saves the copy at
    once, so the page has to have one chosen whenever it can."""
    last = whole_number(str(request.session.get(LAST_LOCATION, "")))
    location = Location.objects.filter(pk=last).first() if last is not None else None
    if location is not None:
        return LocationOffered(location, "last")
    code = _library(request).default_location_code
    location = Location.objects.filter(code=code).first() if code else None
    if location is not None:
        return LocationOffered(location, "default")
    some = list(Location.objects.order_by("code")[:2])
    if len(some) == 1:
        return LocationOffered(some[0], "only")
    return LocationOffered(None, "choose" if some else "none")


def _item_form(request: HttpRequest, barcode: str, record_id: int | None = None) -> ItemForm:
    location = _location_offered(request).location
    return ItemForm.new(barcode=barcode, record_id=record_id, location=location)


def _location_keep(request: HttpRequest, item_form: ItemForm) -> None:
    location = item_form.cleaned_data.get("location")
    if location is not None:
        request.session[LAST_LOCATION] = location.pk
    else:
        request.session.pop(LAST_LOCATION, None)


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    saved_id = whole_number(request.GET.get("saved", ""))
    saved = Record.objects.filter(pk=saved_id).first() if saved_id is not None else None
    # The copy just saved, so the page says where it was put.
    saved_item = saved.items.select_related("location").order_by("-pk").first() if saved else None
    context = {
        "isbn_form": IsbnForm(initial={"isbn": ""}), "saved": saved, "saved_item": saved_item,
        "location_offered": _location_offered(request), **context,
    }  # fmt: skip
    return render(request, "cataloguing/add.html", context, status=status)


def _barcode_focus(item_form: ItemForm, refusal: ApplicationError | None) -> bool:
    """After a copy barcode is refused, the barcode field takes the focus (scan.js selects it),
    so the next scan replaces the refused barcode instead of going nowhere."""
    refused = "barcode" in item_form.errors or (
        refusal is not None and "barcode" in (refusal.fields or {})
    )
    if refused:
        item_form.fields["barcode"].widget.attrs["autofocus"] = True
    return refused


def _chosen(lookup: Lookup, pick: str) -> LookupHit | None:
    if not lookup.hits:
        return None
    index = whole_number(pick) or 0
    return lookup.hits[index] if index < len(lookup.hits) else lookup.hits[0]


@policy_required(may_catalogue)
def add_page(request: HttpRequest) -> HttpResponse:
    """GET: the scan field, and with ?isbn= the lookup's answer and the prefilled form.
    POST: the record and its copy saved together."""
    if request.method == "POST":
        record_form = RecordForm(request.POST)
        item_form = ItemForm(request.POST)
        cover_form = CoverOfferForm(request.POST)
        error, refusal = "", None
        if record_form.is_valid() and item_form.is_valid():
            try:
                record, _item = record_with_item_create(
                    record=record_form.record_data(), item=item_form.item_data()
                )
            except ApplicationError as exc:
                error, refusal = exc.message, exc
            else:
                _location_keep(request, item_form)
                _cover_take(request, record.pk, cover_form)
                return redirect(f"{reverse('staff-add')}?saved={record.pk}")
        failed = {
            "record_form": record_form, "item_form": item_form, "error": error,
            "cover_form": cover_form if cover_form.offer() else None,
            "barcode_focus": _barcode_focus(item_form, refusal),
        }  # fmt: skip
        return _render(request, failed, status=400)

    raw = request.GET.get("isbn", "").strip()
    if not raw:
        if request.GET.get("manual"):
            form = RecordForm()
            item_form = _item_form(request, next_barcode())
            return _render(request, {"record_form": form, "item_form": item_form})
        return _render(request, {})
    try:
        lookup = isbn_lookup(raw_isbn=raw, library=_library(request))
    except InvalidIdentifier as exc:
        isbn_form = IsbnForm(initial={"isbn": raw})
        return _render(request, {"isbn_form": isbn_form, "error": exc.message}, status=400)
    chosen = _chosen(lookup, request.GET.get("pick", ""))
    context: dict[str, Any] = {
        "lookup": lookup,
        "chosen": chosen,
        "unreached": source_labels(list(lookup.failures)),
    }
    record_id = chosen.record_id if chosen is not None else None
    item_form = _item_form(request, lookup.next_barcode, record_id)
    # After a found record the next scan is the copy's barcode (scan.js selects the suggested
    # one, so the scan replaces it). After a book found nowhere the scan field keeps the
    # focus: the next scan is the next book, never a title.
    if chosen is not None:
        item_form.fields["barcode"].widget.attrs["autofocus"] = True
    if chosen is not None and chosen.source == "catalog":
        context["item_form"] = item_form
    else:
        draft = chosen.record if chosen is not None else {"identifiers": []}
        original = chosen.original if chosen is not None else None
        form = RecordForm(draft=draft, isbn=lookup.isbn, original=original)
        context.update(record_form=form, item_form=item_form)
        if chosen is not None and chosen.cover_url:
            cover_form = CoverOfferForm.offering(url=chosen.cover_url, source=chosen.source)
            context["cover_form"] = cover_form
    return _render(request, context)


def _cover_take(request: HttpRequest, record_id: int, cover_form: CoverOfferForm) -> None:
    """The source's cover for a record just saved, if the librarian kept it: a cover that
    cannot be had leaves the record saved, and the librarian is told why."""
    offer = cover_form.taken()
    if offer is None:
        return
    try:
        record_cover_fetch(record_id=record_id, url=offer["url"], source=offer["label"])
    except ApplicationError as exc:
        messages.warning(
            request,
            _("The book is saved without its cover: %(why)s You can add one on its record page.")
            % {"why": exc.message},
        )


@policy_required(may_catalogue)
def add_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: a copy of a record the library already has."""
    record = get_object_or_404(Record, pk=pk)
    if request.method != "POST":
        return HttpResponse(status=405)
    item_form = ItemForm(request.POST)
    error, refusal = "", None
    if item_form.is_valid():
        try:
            item_create(record_id=record.pk, data=item_form.item_data())
        except ApplicationError as exc:
            error, refusal = exc.message, exc
        else:
            _location_keep(request, item_form)
            return redirect(f"{reverse('staff-add')}?saved={record.pk}")
    # The record as the lookup showed it, with its copies and contributors.
    context = {
        "item_form": item_form, "chosen": catalog_hits([record.pk])[0], "error": error,
        "barcode_focus": _barcode_focus(item_form, refusal),
    }  # fmt: skip
    return _render(request, context, status=400)
