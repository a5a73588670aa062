"""The workspace's record pages: find a record by title, contributor, any identifier in any
form or a copy's barcode, and change its description and copies (add, edit, remove)."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.identifiers import NORMALIZERS
from catalog.models import Identifier, Item, Record
from catalog.search import record_search
from catalog.services import (
    item_create,
    item_delete,
    item_update,
    record_cover_remove,
    record_cover_set,
    record_patch,
)
from cataloguing.forms import CoverUploadForm, ItemEditForm, ItemForm, RecordEditForm
from cataloguing.lookup import catalog_drafts, next_barcode
from circulation.selectors import item_removal_refused
from common.errors import ApplicationError, PreconditionFailed
from staff.roles import may_catalogue, policy_required, staff_required

RESULTS = 50


def records_find(q: str) -> list[int]:
    """Record ids for a query: a copy's barcode (in any case, as the desk reads it), then an
    identifier in any form, then words."""
    q = q.strip()
    found = list(Item.objects.filter(barcode__iexact=q).values_list("record_id", flat=True))
    for kind, normalize in NORMALIZERS.items():
        try:
            value = normalize(q)
        except ApplicationError:
            continue
        found += Identifier.objects.filter(kind=kind, value=value).values_list(
            "record_id", flat=True
        )
    if not found:
        found = list(record_search(q=q).values_list("pk", flat=True)[:RESULTS])
    return list(dict.fromkeys(found))[:RESULTS]


def _posted_version(request: HttpRequest) -> int | None:
    """The record version the form was read at (None when missing: the write then checks none)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@staff_required
def records_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    ids = records_find(q) if q else []
    drafts = catalog_drafts(ids)
    results = [(pk, *drafts[pk]) for pk in ids if pk in drafts]
    return render(request, "cataloguing/records.html", {"q": q, "results": results})


@staff_required
def record_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the record's form and its copies; POST: the fields the form shows changed, the
    others (its control number, the MARC it came in as) kept as they are."""
    if request.method != "POST":
        return _record_render(request, pk)
    form = RecordEditForm(request.POST)
    if not form.is_valid():
        return _record_render(request, pk, record_form=form, status=400)
    try:
        record_patch(
            record_id=pk,
            changes=form.record_changes(),
            expected_version=form.cleaned_data["version"],
        )
    except PreconditionFailed:
        # The form keeps the version it was read at: saving it again is refused again.
        current = catalog_drafts([pk]).get(pk)
        if current is None:
            raise Http404(_("No such record.")) from None
        error = _(
            "Someone saved this record after you opened it. Your changes were not saved: "
            "compare them below with the record as it is now, open it as it is now, and make "
            "your change again."
        )
        differences = form.differences(current[0])
        return _record_render(
            request, pk, record_form=form, error=error, status=412, differences=differences
        )
    except ApplicationError as exc:
        return _record_render(
            request, pk, record_form=form, error=exc.message, status=exc.status_code
        )
    return redirect(reverse("staff-record", args=[pk]) + "?saved=1")


@staff_required
@require_POST
def record_copy_page(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: a copy added from the record's page, which the librarian comes back to."""
    record = Record.objects.filter(pk=pk).first()
    if record is None:
        raise Http404(_("No such record."))
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _record_render(request, pk, item_form=form, status=400)
    try:
        item_create(record_id=pk, data=form.item_data())
    except ApplicationError as exc:
        return _record_render(
            request, pk, item_form=form, error=exc.message, status=exc.status_code
        )
    return redirect(reverse("staff-record", args=[pk]) + "?saved=1#copies")


def _record_render(
    request: HttpRequest, pk: int, *, status: int = 200, error: str = "", cover_error: str = "",
    differences: list[tuple[str, str, str]] | None = None, **forms: Any,
) -> HttpResponse:  # fmt: skip
    """The record's page: its copies, its cover and its description (`forms` as posted)."""
    record = Record.objects.filter(pk=pk).first()
    if record is None:
        raise Http404(_("No such record."))
    record_form = forms.get("record_form")
    if record_form is None:
        record_form = RecordEditForm(draft=catalog_drafts([pk])[pk][0])
        record_form.initial["version"] = record.version
    context: dict[str, Any] = {
        "record": record,
        "record_form": record_form,
        "cover_form": forms.get("cover_form") or CoverUploadForm(),
        "items": Item.objects.filter(record_id=pk).select_related("location").order_by("id"),
        "item_form": forms.get("item_form") or ItemForm.new(barcode=next_barcode(), record_id=pk),
        "error": error,
        "differences": differences,
        "cover_error": cover_error,
        "saved": request.GET.get("saved") == "1",
    }
    return render(request, "cataloguing/record.html", context, status=status)


@staff_required
@require_POST
def record_cover_page(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: a new cover for the record from an uploaded picture, or (`remove`) none."""
    expected = _posted_version(request)
    try:
        if "remove" in request.POST:
            record_cover_remove(record_id=pk, expected_version=expected)
            messages.success(request, _("The cover is removed."))
        else:
            form = CoverUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                return _record_render(request, pk, cover_form=form, status=400)
            picture = form.cleaned_data["picture"].read()
            record_cover_set(record_id=pk, image=picture, expected_version=expected)
            messages.success(request, _("The cover is saved."))
    except ApplicationError as exc:
        return _record_render(request, pk, cover_error=exc.message, status=exc.status_code)
    return redirect(reverse("staff-record", args=[pk]) + "#cover")


def _copy_of(pk: int, item_id: int) -> Item:
    """The copy, if it is one of this record's (the address names both)."""
    item = Item.objects.filter(pk=item_id, record_id=pk).select_related("record").first()
    if item is None:
        raise Http404(_("No such item."))
    return item


@policy_required(may_catalogue)
def record_copy_edit_page(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """GET: a copy's form (where it is kept, its call number, status, barcode, price, notes);
    POST: the copy saved through the same service as the API's, if nobody saved it since."""
    item = _copy_of(pk, item_id)
    if request.method != "POST":
        return _copy_render(request, item, ItemEditForm.of(item))
    form = ItemEditForm(request.POST, item=item)
    if not form.is_valid():
        return _copy_render(request, item, form, status=400)
    try:
        item_update(
            item_id=item.pk, data=form.item_data(), expected_version=form.cleaned_data["version"]
        )
    except PreconditionFailed:
        error = _(
            "Someone saved this copy after you opened it. Your changes were not saved: open "
            "the copy as it is now and make your change again."
        )
        return _copy_render(request, item, form, error, 412, stale=True)
    except ApplicationError as exc:
        for name, problems in exc.fields.items():
            if name in form.fields:
                for problem in problems:
                    form.add_error(name, problem)
        return _copy_render(request, item, form, exc.message, exc.status_code)
    return redirect(reverse("staff-record", args=[pk]) + "?saved=1#copies")


def _copy_render(
    request: HttpRequest, item: Item, form: ItemEditForm, error: str = "", status: int = 200,
    *, stale: bool = False,
) -> HttpResponse:  # fmt: skip
    context = {"item": item, "record": item.record, "form": form, "error": error, "stale": stale}
    return render(request, "cataloguing/copy.html", context, status=status)


@policy_required(may_catalogue)
def record_copy_remove_page(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """GET: what removing the copy takes away, and the button that does it; POST: the copy
    removed, only with that button's confirmation (a copy on loan or lent before is kept)."""
    item = _copy_of(pk, item_id)
    # A copy that cannot go is said to up front, with no button offering to remove it.
    kept = item_removal_refused(item)
    context: dict[str, Any] = {"item": item, "record": item.record, "error": "", "kept": kept}
    if request.method != "POST":
        return render(request, "cataloguing/copy_remove.html", context)
    if kept:
        return render(request, "cataloguing/copy_remove.html", context, status=409)
    if request.POST.get("confirm") != "yes":
        context["error"] = _("Nothing was removed: confirm with the button below.")
        return render(request, "cataloguing/copy_remove.html", context, status=400)
    try:
        item_delete(item_id=item.pk, expected_version=_posted_version(request))
    except PreconditionFailed:
        context["error"] = _(
            "Someone saved this copy after you opened this page, so it was not removed: look "
            "at it again before removing it."
        )
        return render(request, "cataloguing/copy_remove.html", context, status=412)
    except ApplicationError as exc:
        # Lent or shelved for a patron since the page was shown: said as the page says it.
        context["kept"] = item_removal_refused(Item.objects.get(pk=item.pk))
        context["error"] = "" if context["kept"] else exc.message
        return render(request, "cataloguing/copy_remove.html", context, status=exc.status_code)
    messages.success(request, _("Copy %(barcode)s was removed.") % {"barcode": item.barcode})
    return redirect(reverse("staff-record", args=[pk]) + "#copies")
