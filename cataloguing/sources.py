"""Outside sources of records, looked up by ISBN: pluggable adapters (an SRU server answering
MARCXML, the Open Library JSON API), each with its own timeout, configured by the platform
(settings.STACKS_LOOKUP_SOURCES)."""

import io
import json
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from catalog.identifiers import InvalidIdentifier, isbn_normalize
from catalog.imports.formats import marcxml_records
from catalog.models import RecordContributor
from catalog.services import SUBJECT_SCHEME_DEFAULT, RecordData
from cataloguing.drafts import Draft, draft_blank, draft_from_record_data
from common.errors import ApplicationError

# Answers larger than this are refused rather than read into memory.
MAX_ANSWER_BYTES = 2 * 1024 * 1024
USER_AGENT = "Stacks library catalog (scan-to-add)"


class SourceFailed(Exception):
    """A source did not answer usefully: down, slow, or an answer we cannot read."""


@dataclass
class Found:
    """A record a source offers, with the cover it offers, if any, and the source's own
    reading of it when the source answered MARC (its control number and MARC kept)."""

    record: Draft
    cover_url: str = ""
    original: RecordData | None = None


class Source(Protocol):
    name: str
    timeout: float

    def lookup(self, isbn: str) -> list[Found]: ...


def _get(url: str, timeout: float, accept: str, max_bytes: int = MAX_ANSWER_BYTES) -> bytes:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SourceFailed(_("not a web address"))
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})  # noqa: S310
    # The timeout bounds each wait on the socket; the deadline bounds the whole answer, which
    # a server could otherwise trickle in a byte at a time.
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = b""
            while len(body) <= max_bytes and (chunk := response.read(64 * 1024)):
                body += chunk
                if time.monotonic() > deadline:
                    raise TimeoutError
    except TimeoutError as error:
        raise SourceFailed(
            _("no answer within %(seconds)s s") % {"seconds": f"{timeout:g}"}
        ) from error
    except OSError as error:  # refused, reset, DNS, HTTP errors (urllib's HTTPError is one)
        raise SourceFailed(str(getattr(error, "reason", error)) or type(error).__name__) from error
    if len(body) > max_bytes:
        raise SourceFailed(_("the answer is too large"))
    return body


def cover_fetch(url: str) -> bytes:
    """The picture at a cover address a source offered, within STACKS_COVER_FETCH_SECONDS and
    STACKS_COVER_MAX_BYTES; SourceFailed otherwise (whether it is a picture, the catalog's
    services check)."""
    return _get(
        url,
        settings.STACKS_COVER_FETCH_SECONDS,
        "image/*",
        max_bytes=settings.STACKS_COVER_MAX_BYTES,
    )


@dataclass
class SruSource:
    """An SRU server (version 1.1 searchRetrieve) answering MARCXML, as national libraries run."""

    name: str
    url: str
    timeout: float = 3.0
    index: str = "bath.isbn"

    def lookup(self, isbn: str) -> list[Found]:
        query = urllib.parse.urlencode(
            {
                "version": "1.1",
                "operation": "searchRetrieve",
                "query": f"{self.index}={isbn}",
                "recordSchema": "marcxml",
                "maximumRecords": "3",
            }
        )
        separator = "&" if "?" in self.url else "?"
        body = _get(f"{self.url}{separator}{query}", self.timeout, "application/xml")
        try:
            read = list(marcxml_records(io.BytesIO(body)))
        except ApplicationError as error:
            raise SourceFailed(_("unreadable answer: %(why)s") % {"why": error}) from error
        # An SRU envelope's own <record> elements hold no MARC: only readable records count.
        return [
            Found(draft_from_record_data(s.data), original=s.data)
            for s, _ in read
            if s.data and not s.error
        ]


def _ol_names(values: Any, key: str = "name") -> list[str]:
    if not isinstance(values, list):
        return []
    return [str(v.get(key, "")).strip() for v in values if isinstance(v, dict) and v.get(key)]


def _ol_year(text: Any) -> int | None:
    digits = "".join(c if c.isdigit() else " " for c in str(text or "")).split()
    years = [int(d) for d in digits if len(d) == 4]
    return years[0] if years else None


@dataclass
class OpenLibrarySource:
    """Open Library's books API (`/api/books?bibkeys=ISBN:...&jscmd=data&format=json`)."""

    name: str
    url: str
    timeout: float = 3.0

    def lookup(self, isbn: str) -> list[Found]:
        query = urllib.parse.urlencode(
            {"bibkeys": f"ISBN:{isbn}", "jscmd": "data", "format": "json"}
        )
        body = _get(f"{self.url.rstrip('/')}/api/books?{query}", self.timeout, "application/json")
        try:
            answer = json.loads(body)
        except ValueError as error:
            raise SourceFailed(_("unreadable answer: not JSON")) from error
        if not isinstance(answer, dict):
            raise SourceFailed(_("unreadable answer: not a JSON object"))
        book = answer.get(f"ISBN:{isbn}")
        if book is None:
            return []
        if not isinstance(book, dict) or not str(book.get("title", "")).strip():
            raise SourceFailed(_("unreadable answer: the book has no title"))
        isbns: list[str] = []
        for raw in [
            *book.get("identifiers", {}).get("isbn_13", []),
            *book.get("identifiers", {}).get("isbn_10", []),
            isbn,
        ]:
            try:
                normal = isbn_normalize(str(raw))
            except InvalidIdentifier:
                continue
            if normal not in isbns:
                isbns.append(normal)
        role = RecordContributor.Role.AUTHOR.value
        draft = draft_blank(
            title=str(book["title"]).strip()[:1000],
            subtitle=str(book.get("subtitle", "")).strip()[:1000],
            contributors=[{"name": n, "role": role} for n in _ol_names(book.get("authors"))],
            publisher=", ".join(_ol_names(book.get("publishers")))[:500],
            publication_year=_ol_year(book.get("publish_date")),
            subjects=[
                {"heading": h, "scheme": SUBJECT_SCHEME_DEFAULT}
                for h in _ol_names(book.get("subjects"))
            ][:20],
            identifiers=[{"kind": "isbn", "value": v} for v in isbns],
        )
        cover = book.get("cover")
        cover = cover if isinstance(cover, dict) else {}
        return [Found(draft, cover_url=str(cover.get("large") or cover.get("medium") or ""))]


KINDS: dict[str, Any] = {"sru": SruSource, "openlibrary": OpenLibrarySource}


def sources_configured() -> list[Source]:
    """The outside sources the platform configured, in their order."""
    sources: list[Source] = []
    for entry in settings.STACKS_LOOKUP_SOURCES:
        options = {k: v for k, v in entry.items() if k not in ("kind", "label")}
        sources.append(KINDS[entry["kind"]](**options))
    return sources


def source_label(name: str) -> str:
    """What librarians are told the source `name` is: its configured "label", else its name."""
    return source_labels([name])[0]


def source_labels(names: list[str]) -> list[str]:
    """What librarians are told the sources `names` are: each one's configured "label", else
    its name."""
    labels = {e["name"]: e.get("label") or e["name"] for e in settings.STACKS_LOOKUP_SOURCES}
    return [labels.get(name, name) for name in names]
