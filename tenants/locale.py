"""Each request in its reader's language and its library's time zone, and the language switch."""

import unicodedata
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_supported_language_variant, pgettext
from django.utils.translation.trans_real import parse_accept_lang_header


def language_codes() -> list[str]:
    """The languages Stacks ships, as settings.LANGUAGES names them."""
    return [code for code, _ in settings.LANGUAGES]


@cache
def time_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows (Europe/Paris, America/Toronto, UTC)."""
    return frozenset(zoneinfo.available_timezones())


@cache
def _zone_table() -> list[tuple[str, str]] | None:
    """The tz database's zone.tab as (country code, canonical zone) pairs, in its order; None
    on a machine whose database has none."""
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            lines = table.read_text(encoding="utf-8").splitlines()
            rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
            return [(row[0], row[2]) for row in rows]
    return None


@cache
def time_zones_offered() -> list[str]:
    """The zones a library is offered: UTC and the canonical Area/Location names that the tz
    database's zone.tab gives each country (Europe/Paris, America/Toronto), sorted; not its
    aliases (Asia/Calcutta, US/Eastern), fixed offsets (Etc/GMT+3) or files (Factory,
    localtime, posixrules). A machine whose database has no zone.tab offers every zone."""
    table = _zone_table()
    if table is None:
        return sorted(time_zones())
    return ["UTC", *sorted({zone for _, zone in table} & time_zones())]


# The zone of the country where most speakers of each shipped language live in Europe,
# where Stacks's libraries mostly are: a guess, for a browser that gave none.
LANGUAGE_ZONES = {"de": "Europe/Berlin", "fr": "Europe/Paris", "es": "Europe/Madrid"}


def signup_time_zone(*, browser: str, language: str, accept_language: str = "") -> str:
    """A new library's time zone: the one the admin's browser gave, if this machine knows it;
    else the only zone of the country the browser's first language names (de-AT:
    Europe/Vienna); else the zone of the language signed up in; else UTC."""
    browser = browser.strip()
    if browser in time_zones():
        return browser
    for code, _ in parse_accept_lang_header(accept_language)[:1]:
        country = code.partition("-")[2].upper()
        zones = [zone for c, zone in _zone_table() or [] if c == country]
        if len(zones) == 1 and zones[0] in time_zones():
            return zones[0]
    return LANGUAGE_ZONES.get((language or "")[:2], "UTC")


def _area_names() -> dict[str, str]:
    """The areas of the tz database's canonical zones, in the language in use; the zones'
    values stay their IANA names."""
    return {
        "Africa": pgettext("time zone area", "Africa"),
        "America": pgettext("time zone area", "America"),
        "Antarctica": pgettext("time zone area", "Antarctica"),
        "Arctic": pgettext("time zone area", "Arctic"),
        "Asia": pgettext("time zone area", "Asia"),
        "Atlantic": pgettext("time zone area", "Atlantic"),
        "Australia": pgettext("time zone area", "Australia"),
        "Europe": pgettext("time zone area", "Europe"),
        "Indian": pgettext("time zone area", "Indian"),
        "Pacific": pgettext("time zone area", "Pacific"),
    }


def _alphabetical(text: str) -> str:
    # "África" sorts among the A's, not after "Pacífico".
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def time_zone_choices(zones: list[str]) -> list[Any]:
    """The zones grouped by their area, in the language in use, each named by its place
    ("Europe" then "Paris", "America" then "Argentina / Buenos Aires"), the areas in that
    language's alphabetical order; a zone of no area (UTC) first, on its own."""
    names = _area_names()
    alone: list[Any] = []
    areas: dict[str, list[tuple[str, str]]] = {}
    for zone in zones:
        area, _slash, place = zone.partition("/")
        if not place:
            alone.append((zone, zone))
            continue
        areas.setdefault(names.get(area, area), []).append(
            (zone, place.replace("_", " ").replace("/", " / "))
        )
    return [
        *alone,
        *(
            (area, sorted(places, key=lambda c: c[1]))
            for area, places in sorted(areas.items(), key=lambda a: _alphabetical(a[0]))
        ),
    ]


def library_zone(name: str) -> zoneinfo.ZoneInfo:
    """The library's zone; a name no longer known (an old tz database) reads as UTC."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _shipped(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def reader_language(request: HttpRequest, default: str) -> str:
    """The language the reader chose with the switch (a cookie), else the first of the
    browser's Accept-Language that Stacks speaks, else the library's default."""
    chosen = _shipped(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    for code, _ in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code != "*" and (found := _shipped(code)):
            return found
    return _shipped(default) or settings.LANGUAGE_CODE


def language_switch_links(request: HttpRequest, current: str) -> list[dict[str, object]]:
    """One link per shipped language, each named in itself, back to the page it is on."""
    here = request.get_full_path()
    return [
        {
            "code": code,
            "name": name,
            "current": code == current,
            "url": "/language/?" + urlencode({"language": code, "next": here}),
        }
        for code, name in settings.LANGUAGES
    ]


def language_switch(request: HttpRequest) -> dict[str, object]:
    """Template context: the language switch's links, on every page."""
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return {"language_switch": language_switch_links(request, current)}
