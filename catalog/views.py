"""The public catalog website of a library host: home, search and record pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.storage import default_storage
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from catalog.images import CONTENT_TYPE
from catalog.search import record_search, search_facets, spelling_suggest
from catalog.selectors import (
    contributor_get,
    item_list,
    record_cover_file,
    record_get,
    record_slice,
    subject_get,
)
from catalog.website import (
    RECENT_ADDITIONS,
    SORTS,
    BadSearch,
    WebSearch,
    copy_notes,
    json_ld_script,
    language_name,
    page_cached,
    record_json_ld,
    search_back_url,
    web_search_parse,
)
from common.errors import NotFound
from common.pages import reader_signed_in


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "catalog/not_found.html", {"message": message}, status=404)


def catalog_open(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anyone may read a public catalog; a closed one is for the library's signed-in staff."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        public = bool(getattr(request.tenant, "public_catalog", False))  # type: ignore[attr-defined]
        user = request.user
        if not public and not (user.is_authenticated and user.is_active):
            return render(request, "catalog/closed.html", status=403)
        return view(request, *args, **kwargs)

    return checked


@require_safe
@catalog_open
@page_cached
def home(request: HttpRequest) -> HttpResponse:
    recent = record_slice(ordering="newest", limit=RECENT_ADDITIONS, availability=True)
    return render(request, "catalog/home.html", {"recent": recent})


class _CountedPaginator(Paginator):
    """Pages of a search whose count (exact or estimated) is already known."""

    def __init__(self, count: int, per_page: int) -> None:
        super().__init__((), per_page)
        self._count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._count


def _count_label(count: int, estimated: bool) -> str:
    """A count as the page shows it: an estimate says so ("about 12,000")."""
    if not estimated:
        return number_format(count, force_grouping=True)
    return gettext("about %(count)s") % {"count": number_format(count, force_grouping=True)}


def _facet_links(
    search: WebSearch, facets: dict[str, list[dict]], *, estimated: bool
) -> dict[str, list[dict]]:
    """Each facet value with the address of this search narrowed by it."""
    chosen = {
        "subject": search.subject, "contributor": search.contributor,
        "language": search.language, "decade": search.decade,
    }  # fmt: skip
    links: dict[str, list[dict]] = {}
    for name, values in facets.items():
        links[name] = []
        for value in values:
            key = value.get("id", value["value"])
            label = value["value"]
            if name == "language":
                label = language_name(label)
            elif name == "decade":
                label = gettext("%(decade)ss") % {"decade": label}
            links[name].append(
                {
                    "label": label,
                    "count": _count_label(value["count"], estimated),
                    "active": chosen[name] == key,
                    "url": search.url(**{name: key}),
                }
            )
    return links


def _active_filters(search: WebSearch) -> list[dict[str, str]]:
    """The filters in force, each with its name and the address of the search without it."""
    active = []
    if search.subject is not None:
        heading = subject_get(subject_id=search.subject).heading
        active.append(
            {
                "label": gettext("Subject: %(value)s") % {"value": heading},
                "url": search.url(subject=None),
            }
        )
    if search.contributor is not None:
        name = contributor_get(contributor_id=search.contributor).name
        active.append(
            {
                "label": gettext("Contributor: %(value)s") % {"value": name},
                "url": search.url(contributor=None),
            }
        )
    if search.language:
        label = gettext("Language: %(value)s") % {"value": language_name(search.language)}
        active.append({"label": label, "url": search.url(language=None)})
    if search.decade is not None:
        active.append(
            {
                "label": gettext("Decade: %(decade)ss") % {"decade": search.decade},
                "url": search.url(decade=None),
            }
        )
    return active


def _suggestion(query: WebSearch) -> dict[str, str] | None:
    """For a search that found nothing, the same search spelled with the catalog's closest
    words, if that one finds something."""
    if not query.q:
        return None
    suggested = spelling_suggest(query.q)
    if suggested is None or not record_search(q=suggested, filters=query.filters).exists():
        return None
    return {"q": suggested, "url": query.url(q=suggested)}


@require_safe
@catalog_open
@page_cached
def search(request: HttpRequest) -> HttpResponse:
    try:
        query = web_search_parse(request.GET)
    except BadSearch as error:
        failed = {"error": str(error), "q": request.GET.get("q", "")}
        return render(request, "catalog/search.html", failed, status=400)
    try:
        active = _active_filters(query)
    except NotFound as error:
        return _not_found(request, error.message)
    # The count comes with the facets (estimated, as they are, for a very common word); the
    # page's records are read with their links.
    found = search_facets(q=query.q, filters=query.filters)
    paginator = _CountedPaginator(found.count, query.per_page)
    no_page = gettext("This search has no page %(page)s.") % {"page": query.page}
    try:
        number = paginator.validate_number(query.page)
    except EmptyPage:
        return _not_found(request, no_page)
    records = record_slice(
        q=query.q, filters=query.filters, ordering=query.ordering,
        offset=(number - 1) * query.per_page, limit=query.per_page, availability=True,
    )  # fmt: skip
    if not records and number > 1:
        return _not_found(request, no_page)  # past the last match of an estimated count
    page = Page(records, number, paginator)
    matched = found.count > 0
    context: dict[str, Any] = {
        "search": query,
        "q": query.q,
        "page": page,
        "active": active,
        "from_search": query.query_string,
        # An empty page offers no facets (they would all be empty) but perhaps a spelling.
        "suggestion": None if matched else _suggestion(query),
        "facets": _facet_links(query, found.facets if matched else {}, estimated=found.estimated),
        "count_label": _count_label(found.count, found.estimated),
        "sorts": [
            {"name": name, "label": label, "url": query.url(sort=name)}
            for name, (_, label) in SORTS.items()
        ],
        "sort": query.sort or ("relevance" if query.q else "title"),
        "previous_url": query.url(page=page.number - 1) if page.has_previous() else "",
        "next_url": query.url(page=page.number + 1) if page.has_next() else "",
        "pages": [
            {"number": n, "url": query.url(page=n) if isinstance(n, int) else ""}
            for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
    }
    return render(request, "catalog/search.html", context)


@require_safe
@catalog_open
@page_cached
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = record_get(record_id=pk)
    except NotFound:
        return _not_found(request, gettext("This catalog has no such record."))
    url = request.build_absolute_uri(f"/records/{record.pk}/")
    copies = list(item_list(record_id=record.pk).order_by("location__name", "call_number", "id"))
    notes = copy_notes([item.pk for item in copies])
    for item in copies:
        item.availability_note = notes.get(item.pk, "")  # type: ignore[attr-defined]
    context = {
        "record": record,
        "canonical_url": url,
        "back_url": search_back_url(request.GET.get("from", "")),
        "language": language_name(record.language) if record.language else "",
        "copies": copies,
        "json_ld": json_ld_script(record_json_ld(record, url)),
        "reader_signed_in": reader_signed_in(request),
    }
    return render(request, "catalog/record.html", context)


@require_safe
@catalog_open
def record_cover(request: HttpRequest, pk: str, token: str, size: str) -> HttpResponse:
    """A record's cover, from this library's storage only (another library's host reads its
    own record of that number, whose cover, if any, has another token)."""
    try:
        name = record_cover_file(record_id=int(pk), token=token, size=size)
        with default_storage.open(name) as image:
            data = image.read()  # a few kilobytes
    except (NotFound, FileNotFoundError):
        return HttpResponse(status=404)
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    public = bool(getattr(request.tenant, "public_catalog", False))  # type: ignore[attr-defined]
    # The token changes with the cover: a browser (or a proxy, for a public catalog) keeps it.
    scope = "public" if public else "private"
    response["Cache-Control"] = f"{scope}, max-age=31536000, immutable"
    return response
