"""What the public catalog website adds to search and selectors: page cache, links, JSON-LD."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.conf import settings
from django.core.cache import caches
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language, gettext, to_locale
from django.utils.translation import gettext_lazy as _

from catalog.models import Change, Record, RecordContributor
from catalog.search import RecordFilters
from catalog.text import name_shown
from common.language import quoted
from common.numbers import whole_number
from common.pages import reader_signed_in

# Pages are cached under the catalog's generation (the last change feed id), so any record or
# item write (a location renamed feeds its items) shows at once.
PAGE_CACHE_SECONDS = 300
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
RECENT_ADDITIONS = 12
PAGE_PARAMS = (
    "q", "subject", "contributor", "language", "decade", "sort", "page", "per_page", "from",
)  # fmt: skip

# The website's sort names and the search orderings they mean.
SORTS: dict[str, tuple[str, Any]] = {  # (ordering, label in the reader's language)
    "relevance": ("relevance", _("Relevance")),
    "title": ("title", _("Title")),
    "year": ("-year", _("Year (newest first)")),
    "updated": ("-updated", _("Recently updated")),
}

# CLDR's aliases map MARC's ISO 639-2/B codes (fre, ger, chi) and 639-2/T codes to the codes
# its language names are kept under (fr, de, zh); codes without an alias (haw, grc) are kept
# under themselves.
_LANGUAGE_ALIASES: dict[str, str] = dict(get_global("language_aliases"))


def _language_tag(code: str) -> str:
    return _LANGUAGE_ALIASES.get(code, code).replace("_", "-")


@cache
def _language_names(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(to_locale(locale)).languages)
    except (ValueError, UnknownLocaleError):
        return dict(Locale("en").languages)


class BadSearch(ValueError):
    """A search parameter the website cannot use; the message says which and why."""


def language_name(code: str) -> str:
    """A MARC language code (ISO 639-2/B: fre, ger, eng) by name in the reader's language
    ("allemand" for a French reader); a code no one names is shown as it is."""
    names = _language_names(get_language() or settings.LANGUAGE_CODE)
    return names.get(_language_tag(code).replace("-", "_"), code)


# --- Reading the search form -------------------------------------------------------------------


@dataclass(frozen=True)
class WebSearch:
    """A website search as the query string gives it, checked."""

    q: str = ""
    subject: int | None = None
    contributor: int | None = None
    language: str = ""
    decade: int | None = None
    sort: str = ""
    page: int = 1
    per_page: int = PAGE_SIZE

    @property
    def ordering(self) -> str:
        return SORTS[self.sort or ("relevance" if self.q else "title")][0]

    @property
    def filters(self) -> RecordFilters:
        return RecordFilters(
            subject=self.subject,
            contributor=self.contributor,
            language=self.language or None,
            year_from=self.decade,
            year_to=self.decade + 9 if self.decade is not None else None,
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query string's parameters, with `changes` applied (None removes one)."""
        values: dict[str, Any] = {
            "q": self.q, "subject": self.subject, "contributor": self.contributor,
            "language": self.language, "decade": self.decade, "sort": self.sort,
            "per_page": self.per_page if self.per_page != PAGE_SIZE else None,
        }  # fmt: skip
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def query_string(self) -> str:
        """This search's query string, page included: what a record page's link back to its
        results carries (`from`)."""
        return urlencode(self.params(page=self.page if self.page > 1 else None))

    def url(self, **changes: Any) -> str:
        """This search's address with `changes`; any change but the page starts at page 1."""
        params = self.params(**changes)
        if "page" not in changes:
            params.pop("page", None)
        elif changes["page"] == 1:
            params.pop("page")
        return "/search/?" + urlencode(params)


def _whole(params: Any, name: str, low: int, high: int) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None or not low <= number <= high:
        raise BadSearch(
            gettext("%(name)s must be a whole number from %(low)s to %(high)s, not %(raw)s.")
            % {"name": name, "low": low, "high": high, "raw": quoted(raw)}
        )
    return number


def web_search_parse(params: Any) -> WebSearch:
    """Check the search page's query string; raise BadSearch with a reader's message."""
    sort = (params.get("sort") or "").strip()
    if sort and sort not in SORTS:
        raise BadSearch(
            gettext("sort must be one of %(sorts)s, not %(sort)s.")
            % {"sorts": ", ".join(SORTS), "sort": quoted(sort)}
        )
    language = (params.get("language") or "").strip().lower()
    if language and not (len(language) == 3 and language.isalpha()):
        raise BadSearch(
            gettext("language must be a three-letter MARC code, not %(language)s.")
            % {"language": quoted(language)}
        )
    decade = _whole(params, "decade", 0, 2100)
    if decade is not None and decade % 10:
        raise BadSearch(
            gettext("decade must be the first year of a decade (1990), not %(decade)s.")
            % {"decade": decade}
        )
    return WebSearch(
        q=(params.get("q") or "").strip()[:500],
        subject=_whole(params, "subject", 1, 2**31 - 1),
        contributor=_whole(params, "contributor", 1, 2**31 - 1),
        language=language,
        decade=decade,
        sort=sort,
        page=_whole(params, "page", 1, 100_000) or 1,
        per_page=_whole(params, "per_page", 1, MAX_PAGE_SIZE) or PAGE_SIZE,
    )


def search_back_url(query_string: str) -> str:
    """The address of the search a record page was reached from (its `from` parameter), or
    "" if it names no search the website could run: only a search's own parameters pass."""
    if not query_string:
        return ""
    try:
        search = web_search_parse(QueryDict(query_string[:2000]))
    except BadSearch:
        return ""
    return search.url(page=search.page)


# --- The record page's structured data ---------------------------------------------------------

_SCHEMA_ROLES: dict[str, str] = {
    RecordContributor.Role.AUTHOR: "author",
    RecordContributor.Role.CORPORATE: "author",
    RecordContributor.Role.EDITOR: "editor",
    RecordContributor.Role.ILLUSTRATOR: "illustrator",
    RecordContributor.Role.TRANSLATOR: "translator",
    RecordContributor.Role.CONTRIBUTOR: "contributor",
}


def record_json_ld(record: Record, url: str) -> dict[str, Any]:
    """schema.org `Book` data of a record with its links (from `record_get`)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Book",
        "@id": url,
        "url": url,
        "name": record.title,
    }
    if record.subtitle:
        data["alternativeHeadline"] = record.subtitle
    for credit in record.credit_list:
        kind = "Organization" if credit.role == RecordContributor.Role.CORPORATE else "Person"
        person = {"@type": kind, "name": name_shown(credit.contributor_name)}
        data.setdefault(_SCHEMA_ROLES.get(credit.role, "contributor"), []).append(person)
    isbns = [i.value for i in record.identifier_list if i.kind == "isbn"]
    if isbns:
        data["isbn"] = isbns[0] if len(isbns) == 1 else isbns
    if record.publication_year is not None:
        data["datePublished"] = str(record.publication_year)
    if record.publisher:
        data["publisher"] = {"@type": "Organization", "name": record.publisher}
    if record.language:
        data["inLanguage"] = _language_tag(record.language)
    if record.edition:
        data["bookEdition"] = record.edition
    if record.summary:
        data["description"] = record.summary
    if record.cover:
        data["image"] = f"{url}cover-{record.cover_token}-large.webp"
    return data


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """JSON for a <script> element: the characters that could end it are escaped."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - escaped above, as django's json_script does


def copy_notes(item_ids: list[int]) -> dict[int, str]:
    """What other parts of Stacks tell readers about copies beyond their status (circulation:
    a due date), {item id: text}. They are named by the STACKS_COPY_NOTES setting, so the
    catalog imports none of them; their writes move the change feed, which the page cache
    follows."""
    notes: dict[int, str] = {}
    for path in getattr(settings, "STACKS_COPY_NOTES", ()):
        for item_id, text in import_string(path)(item_ids).items():
            notes[item_id] = f"{notes[item_id]} · {text}" if item_id in notes else text
    return notes


# --- Page cache --------------------------------------------------------------------------------


def catalog_generation() -> int:
    """The last change feed id: every record or item write moves it (an index lookup)."""
    return Change.objects.aggregate(last=Max("id"))["last"] or 0


def _page_key(request: HttpRequest) -> str:
    # The cache's key function adds the library's schema; the host and the library's display
    # name are in too, since pages show both.
    # Only the parameters pages read are in, so made-up ones cannot fill the cache. The
    # reader's language and the library's zone are in too: pages are written in one and show
    # times in the other.
    name = getattr(request.tenant, "name", "")  # type: ignore[attr-defined]
    params = sorted((k, v) for k in PAGE_PARAMS for v in request.GET.getlist(k))
    locale = f"{get_language()}\n{get_current_timezone_name()}"
    page = f"{request.get_host()}\n{name}\n{locale}\n{request.path}\n{urlencode(params)}"
    digest = hashlib.sha256(page.encode()).hexdigest()[:32]
    return f"website:{catalog_generation()}:{digest}"


def page_cached(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous readers' successful pages from the cache; staff, and readers signed in
    with their card (whose pages offer what they may do), always get fresh ones."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated or reader_signed_in(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        cache = caches["pages"]
        body = cache.get(key)
        if body is not None:
            response = HttpResponse(body)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            cache.set(key, response.content, PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    return cached_view
