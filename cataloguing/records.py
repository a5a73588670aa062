"""The workspace's record pages: find a record by title, contributor, any identifier in any
form or a copy's barcode, and change its description and copies."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog.identifiers import NORMALIZERS
from catalog.models import Identifier, Item, Record
from catalog.search import record_search
from catalog.services import record_update
from cataloguing.forms import ItemForm, RecordForm
from cataloguing.lookup import catalog_drafts, next_barcode
from common.errors import ApplicationError
from staff.roles import staff_required

RESULTS = 50


def records_find(q: str) -> list[int]:
    """Record ids for a query: a copy's barcode, then an identifier in any form, then words."""
    q = q.strip()
    found = list(Item.objects.filter(barcode=q).values_list("record_id", flat=True))
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


@staff_required
def records_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    ids = records_find(q) if q else []
    drafts = catalog_drafts(ids)
    results = [(pk, *drafts[pk]) for pk in ids if pk in drafts]
    return render(request, "cataloguing/records.html", {"q": q, "results": results})


@staff_required
def record_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the record's form and its copies; POST: the record described anew."""
    found = catalog_drafts([pk]).get(pk)
    if found is None:
        raise Http404("No such record.")
    draft, _, version = found
    error = ""
    status = 200
    if request.method == "POST":
        form = RecordForm(request.POST)
        if form.is_valid():
            try:
                expected = int(request.POST.get("version", ""))
            except ValueError:
                expected = None
            try:
                record_update(record_id=pk, data=form.record_data(), expected_version=expected)
            except ApplicationError as exc:
                error, status = exc.message, exc.status_code
            else:
                return redirect(reverse("staff-record", args=[pk]) + "?saved=1")
        else:
            status = 400
    else:
        form = RecordForm(draft=draft)
    context: dict[str, Any] = {
        "record": Record(pk=pk, title=draft["title"], version=version),
        "record_form": form,
        "items": Item.objects.filter(record_id=pk).select_related("location").order_by("id"),
        "item_form": ItemForm(initial={"barcode": next_barcode()}),
        "error": error,
        "saved": request.GET.get("saved") == "1",
    }
    return render(request, "cataloguing/record.html", context, status=status)
