"""A settings page saved over someone else's later save: the refusal shows what they changed
(the value saved now beside the value typed), keeps what was typed, and a second save is
deliberate."""

import html
import re

from django.test import Client

from tenants.administration import library_settings_update
from tenants.models import Library
from tests.conftest import LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in


def _form(page: str) -> dict[str, str]:
    """The values the settings form would send, read from its page."""
    values = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page):
        values[name] = html.unescape(value)
    for name, value in re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"', page):
        values[name] = html.unescape(value)
    for name in re.findall(r'<input type="checkbox" name="(\w+)"[^>]* checked', page):
        values[name] = "on"
    for name, value in re.findall(r'<textarea name="(\w+)"[^>]*>\n?([^<]*)</textarea>', page):
        values[name] = html.unescape(value)
    for name, body in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]* selected>', body)
        values[name] = chosen[1] if chosen else ""
    return values


def _changes(page: str) -> list[tuple[str, str, str]]:
    section = page.split('id="settings-changes"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>', section)
    return [tuple(html.unescape(cell) for cell in row) for row in rows]  # type: ignore[misc]


def test_a_stale_save_shows_what_changed_and_a_second_save_is_deliberate(library):
    browser: Client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    opened = _form(browser.get("/staff/settings/").text)
    assert (opened["version"], opened["name"]) == ("1", "Alpha Library")

    assert opened["public_catalog"] == "on"
    # Someone else, meanwhile: a new name, the catalog closed, another language.
    library_settings_update(
        library=library, actor="other@alpha.example", name="Alpha Town", public_catalog=False,
        language="fr",
    )  # fmt: skip
    # This editor changes only the web origins; the rest is the page as it was opened.
    typed = {**opened, "cors_origins": "https://catalog.example.org"}
    refused = browser.post("/staff/settings/", typed)
    assert refused.status_code == 400
    page = refused.text
    assert "Someone saved these settings after you opened them" in page
    assert _changes(page) == [
        ("Display name", "Alpha Town", "Alpha Library"),
        ("Public catalog (anyone may search)", "No", "Yes"),
        ("Language of the catalog", "Français", "English"),
    ]
    library.refresh_from_db()
    assert (library.name, library.cors_origins, library.settings_version) == ("Alpha Town", [], 2)

    # The form keeps what was typed, now against the version saved.
    again = _form(page)
    assert again["cors_origins"] == "https://catalog.example.org"
    assert (again["name"], again["version"]) == ("Alpha Library", "2")
    assert again["public_catalog"] == "on"
    saved = browser.post("/staff/settings/", again)
    assert saved.status_code == 302
    library.refresh_from_db()
    assert (library.name, library.public_catalog, library.language) == ("Alpha Library", True, "en")
    assert (library.cors_origins, library.settings_version) == (["https://catalog.example.org"], 3)


def test_the_refusal_is_in_the_librarians_language(library):
    browser: Client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    opened = _form(browser.get("/staff/settings/").text)
    library_settings_update(library=library, actor="other@alpha.example", name="Alpha Town")
    for language, heading, row in (
        ("fr", "Modifié par quelqu'un d'autre depuis l'ouverture de cette page",
         ("Nom affiché", "Alpha Town", "Alpha Library")),
        ("de", "Seit dem Öffnen dieser Seite von jemand anderem geändert",
         ("Angezeigter Name", "Alpha Town", "Alpha Library")),
        ("es", "Cambiado por otra persona desde que abrió esta página",
         ("Nombre visible", "Alpha Town", "Alpha Library")),
    ):  # fmt: skip
        page = browser.post("/staff/settings/", opened, HTTP_ACCEPT_LANGUAGE=language).text
        assert heading in page, language
        assert _changes(page) == [row], language
    assert Library.objects.get(pk=library.pk).name == "Alpha Town"
