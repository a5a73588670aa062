"""Each library in its readers' language and its own time zone: the switch, Accept-Language,
the library's default, dates in its zone, language names in the reader's language."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils.translation import override
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from catalog.services import RecordData, location_create, record_create
from circulation.models import Stocktake
from common.errors import ApplicationError
from staff.models import AuditEvent
from tenants.administration import library_settings_clean, library_settings_update
from tenants.locale import time_zones_offered
from tenants.models import Library
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

HTML_LANG = re.compile(r'<html lang="([a-z-]+)">')


def _settings(library: Library, capture, **changes: str) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        library_settings_update(library=library, actor="test", **changes)


@pytest.fixture
def german_book(library) -> int:  # type: ignore[no-untyped-def]
    with schema_context("alpha"):
        return record_create(data=RecordData(title="Der Zauberberg", language="ger")).pk


def test_reader_gets_accept_language_else_the_library_default(
    library, german_book, django_capture_on_commit_callbacks
):
    reader = Client(HTTP_HOST=LIBRARY_HOST)
    page = reader.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert HTML_LANG.search(page.text).group(1) == "de"
    assert page["Content-Language"] == "de"
    assert "Accept-Language" in page["Vary"]
    assert "Im Katalog suchen" in page.text

    _settings(library, django_capture_on_commit_callbacks, language="fr")
    # A browser asking only for languages Stacks does not ship gets the library's default.
    page = reader.get("/", HTTP_ACCEPT_LANGUAGE="ja,ko;q=0.8")
    assert HTML_LANG.search(page.text).group(1) == "fr"
    assert "Chercher dans le catalogue" in page.text
    page = reader.get("/")
    assert HTML_LANG.search(page.text).group(1) == "fr"


def test_the_switch_is_remembered_over_the_browser_language(library, german_book):
    reader = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE="de")
    record = f"/records/{german_book}/"
    page = reader.get(record)
    assert 'href="/language/?language=es&amp;next=%2Frecords%2F' in page.text
    chosen = reader.get("/language/", {"language": "es", "next": record})
    assert (chosen.status_code, chosen["Location"]) == (302, record)
    assert chosen.cookies["stacks_language"].value == "es"
    again = reader.get(record)
    assert HTML_LANG.search(again.text).group(1) == "es"
    assert "<dt>Idioma</dt><dd>alemán</dd>" in again.text
    # The switch goes back only to this site's pages, and only to shipped languages.
    away = reader.get("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert (away.status_code, away["Location"]) == (302, "/")
    assert "stacks_language" not in away.cookies
    assert HTML_LANG.search(reader.get(record).text).group(1) == "es"


def test_language_names_in_the_readers_language_on_record_and_facets(library, german_book):
    record = f"/records/{german_book}/"
    for accept, name in (("fr", "allemand"), ("de", "Deutsch"), ("es", "alemán"), ("en", "German")):
        reader = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE=accept)
        page = reader.get(record).text
        assert re.search(rf"<dd>{name}</dd>", page), (accept, name)
        facets = reader.get("/search/", {"q": "Zauberberg"}).text
        facet = re.search(r'<ul id="facet-language">(.*?)</ul>', facets, re.S)
        assert facet is not None, accept
        assert f">{name}</a>" in facet.group(1), (accept, name)


def test_cached_pages_keep_one_copy_per_language(library, german_book):
    french = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE="fr")
    german = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE="de")
    first = french.get("/search/?q=Zauberberg")
    assert first["X-Page-Cache"] == "miss"
    assert french.get("/search/?q=Zauberberg")["X-Page-Cache"] == "hit"
    other = german.get("/search/?q=Zauberberg")
    assert other["X-Page-Cache"] == "miss"
    assert "1\N{EN DASH}1 von 1 Datensatz" in other.text
    assert "1\N{EN DASH}1 sur 1 notice" in french.get("/search/?q=Zauberberg").text


def test_settings_page_sets_language_and_zone_and_staff_pages_follow(
    library, django_capture_on_commit_callbacks
):
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    form = admin.get("/staff/settings/").text
    assert '<option value="fr">Français</option>' in form
    # The setting says all it decides: the mail and the import reasons are written in it.
    assert "language of the library&#x27;s mail (notices, invitations) and of the reasons" in form
    assert '<option value="America/Toronto">Toronto</option>' in form
    with django_capture_on_commit_callbacks(execute=True):
        saved = admin.post(
            "/staff/settings/",
            {"name": "Alpha Library", "public_catalog": "on", "language": "fr",
             "time_zone": "America/Toronto", "version": 1},
        )  # fmt: skip
    assert saved.status_code == 302
    library.refresh_from_db()
    assert (library.language, library.time_zone) == ("fr", "America/Toronto")
    after = admin.get("/staff/settings/")
    assert HTML_LANG.search(after.text).group(1) == "fr"
    # Saved in English (the language when the admin pressed the button), shown in French now.
    assert "Settings saved." in after.text
    assert "<h1>Réglages</h1>" in after.text
    # An event at 01:38 UTC happened at 20:38 the evening before in Toronto.
    with schema_context("alpha"):
        event = AuditEvent.objects.filter(action="settings.update").latest("id")
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=datetime(2026, 12, 2, 1, 38, 32, tzinfo=UTC)
        )
    audit = admin.get("/staff/audit/").text
    row = re.search(r'<tr data-action="settings.update">(.*?)</tr>', audit, re.S)
    assert row is not None
    assert "01/12/2026 20:38" in row.group(1)
    assert re.search("<td[^>]*>Réglages modifiés</td>", row.group(1))
    assert "America/Toronto" in audit


def _zone_options(page: str) -> tuple[list[str], list[str]]:
    """The time zone list's groups, and its options' values in order."""
    select = re.search(r'<select name="time_zone"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    return re.findall(r'<optgroup label="([^"]*)">', select[1]), re.findall(
        r'<option value="([^"]*)"', select[1]
    )


def test_the_zone_list_offers_canonical_zones_grouped_by_area(library):
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = admin.get("/staff/settings/").text
    groups, zones = _zone_options(page)
    assert zones[0] == "UTC"
    assert {"Africa", "America", "Asia", "Europe", "Pacific"} <= set(groups)
    assert groups == sorted(groups)
    assert '<optgroup label="Europe">' in page
    assert '<option value="Europe/Paris">Paris</option>' in page
    assert (
        '<option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires</option>' in page
    )
    for not_a_place in ("Factory", "localtime", "posixrules", "Etc/GMT+3", "US/Eastern",
                        "Asia/Calcutta", "GMT", "Europe/Kiev", "America/Montreal"):  # fmt: skip
        assert not_a_place not in zones
    assert len(zones) < 450  # not the ~600 names of the database


@pytest.mark.parametrize(
    ("language", "areas"),
    [("fr", ["Afrique", "Amérique", "Asie", "Europe", "Océan Indien", "Pacifique"]),
     ("de", ["Afrika", "Amerika", "Asien", "Europa", "Indischer Ozean", "Pazifik"]),
     ("es", ["África", "América", "Asia", "Europa", "Océano Índico", "Pacífico"])],
)  # fmt: skip
def test_the_zone_list_names_its_areas_in_the_pages_language(library, language, areas):
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    admin.get("/language/", {"language": language, "next": "/staff/"})
    page = admin.get("/staff/settings/").text
    groups, zones = _zone_options(page)
    assert [group for group in groups if group in areas] == areas  # in alphabetical order
    assert "America" not in groups
    # The values saved stay the IANA names, whatever the page's language.
    assert {"Europe/Paris", "America/Toronto", "Indian/Maldives"} <= set(zones)


def test_a_saved_zone_the_list_does_not_offer_stays_chosen(library):
    # Saved over the API, which takes any IANA name.
    library_settings_update(library=library, actor="test", time_zone="Asia/Calcutta")
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = admin.get("/staff/settings/").text
    assert '<option value="Asia/Calcutta" selected>Asia/Calcutta</option>' in page
    version = Library.objects.get(pk=library.pk).settings_version
    saved = admin.post("/staff/settings/", {"name": "Alpha Library", "time_zone": "Asia/Calcutta",
                                            "version": version})  # fmt: skip
    assert saved.status_code == 302
    assert Library.objects.get(pk=library.pk).time_zone == "Asia/Calcutta"


def test_staff_switch_their_own_language(library):
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert HTML_LANG.search(admin.get("/staff/").text).group(1) == "en"
    admin.get("/language/", {"language": "de", "next": "/staff/"})
    page = admin.get("/staff/").text
    assert HTML_LANG.search(page).group(1) == "de"
    assert "Arbeitsbereich des Personals" in page


def test_bad_language_or_zone_is_refused_in_words_and_nothing_changes(library):
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example")
    bad_zone = admin.patch("/api/v1/settings/", {"time_zone": "Mars/Olympus"}, format="json")
    assert bad_zone.status_code == 400
    assert "\u201cMars/Olympus\u201d is not a time zone" in bad_zone.json()["detail"]
    bad_language = admin.patch("/api/v1/settings/", {"language": "tlh"}, format="json")
    assert bad_language.status_code == 400
    assert (
        "Choose one of the languages Stacks speaks: en, fr, de, es"
        in (bad_language.json()["detail"])
    )
    library.refresh_from_db()
    assert (library.language, library.time_zone, library.settings_version) == ("en", "UTC", 1)

    good = admin.patch(
        "/api/v1/settings/", {"language": "de", "time_zone": "Europe/Berlin"}, format="json"
    )
    assert good.status_code == 200
    assert (good.json()["language"], good.json()["time_zone"]) == ("de", "Europe/Berlin")


def test_another_librarys_admin_cannot_change_the_language(library, other_library):
    other_admin = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example")
    response = other_admin.patch(
        "/api/v1/settings/", {"language": "fr"}, format="json", HTTP_HOST=LIBRARY_HOST
    )
    assert response.status_code in (401, 403)
    other_page = Client(HTTP_HOST=LIBRARY_HOST)
    other_page.cookies = other_admin.cookies
    assert other_page.get("/staff/settings/").status_code == 302  # to the sign-in page
    library.refresh_from_db()
    other_library.refresh_from_db()
    assert (library.language, library.settings_version) == ("en", 1)
    assert other_library.language == "en"


def test_staff_lists_show_times_in_the_staff_language_and_the_library_zone(
    library, django_capture_on_commit_callbacks
):
    _settings(library, django_capture_on_commit_callbacks, time_zone="Europe/Berlin")
    at = datetime(2026, 12, 2, 1, 38, 32, tzinfo=UTC)  # 02:38 in Berlin
    with schema_context("alpha"):
        job = ImportJob.objects.create(format="csv", file_name="books.csv")
        ImportJob.objects.filter(pk=job.pk).update(created_at=at)
        stocktake = Stocktake.objects.create(location=location_create(code="MAIN", name="Main"))
        Stocktake.objects.filter(pk=stocktake.pk).update(started_at=at, closed_at=at)
    staff = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    for language, shown in (("de", "02.12.2026 02:38"), ("fr", "02/12/2026 02:38"),
                            ("en", "12/02/2026 2:38 a.m.")):  # fmt: skip
        staff.get("/language/", {"language": language, "next": "/staff/"})
        imports = staff.get("/staff/imports/").text
        assert f'<time datetime="2026-12-02T02:38:32+01:00">{shown}</time>' in imports, language
        assert shown in staff.get(f"/staff/imports/{job.pk}/").text, language
        stocktakes = staff.get("/staff/stocktake/").text
        assert stocktakes.count(f">{shown}</time>") == 2, language
        assert shown in staff.get(f"/staff/stocktake/{stocktake.pk}/").text, language
        assert "2026-12-02 02:38" not in imports + stocktakes


@pytest.mark.parametrize("language", ["en", "fr", "de", "es"])
def test_a_wrong_zone_is_refused_with_examples_the_list_offers(library, language):
    # A librarian copies an example from the refusal into the select: each must be there
    # (each language may give zones of its own readers).
    with override(language), pytest.raises(ApplicationError) as refused:
        library_settings_clean(time_zone="Mars/Olympus")
    message = refused.value.message
    examples = re.findall(r"\b[A-Z][A-Za-z_]+/[A-Za-z_/]+|\bUTC\b", message)
    assert "Mars/Olympus" in examples  # the value given, quoted back
    examples.remove("Mars/Olympus")
    assert len(examples) == 3
    assert language != "en" or "America/Toronto" in examples
    assert set(examples) <= set(time_zones_offered())
