"""A settings page saved over someone else's later save: the refusal shows what they changed
(the value saved now beside the value typed), keeps what this editor changed over what they
saved, and a second save is deliberate and undoes none of their changes."""

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
    rows = re.findall(
        r'<th scope="row"[^>]*>([^<]*)</th><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>', section
    )
    return [tuple(html.unescape(cell) for cell in row) for row in rows]  # type: ignore[misc]


def _opened_then_renamed(library: Library) -> tuple[Client, dict[str, str]]:
    """An admin's settings page, and the values it sends, opened before someone else renamed
    the library to Alpha Town."""
    browser: Client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    opened = _form(browser.get("/staff/settings/").text)
    library_settings_update(library=library, actor="other@alpha.example", name="Alpha Town")
    return browser, opened


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
        ("Display name", "Alpha Town", "(not changed by you)"),
        ("Public catalog (anyone may search)", "No", "(not changed by you)"),
        ("Language of the catalog", "Français", "(not changed by you)"),
    ]
    library.refresh_from_db()
    assert (library.name, library.cors_origins, library.settings_version) == ("Alpha Town", [], 2)

    # The form keeps what this editor typed, over what the other saved, now against the version
    # saved: saving again puts their change in place and undoes none of the other's.
    again = _form(page)
    assert again["cors_origins"] == "https://catalog.example.org"
    assert (again["name"], again["version"], again["language"]) == ("Alpha Town", "2", "fr")
    assert "public_catalog" not in again
    saved = browser.post("/staff/settings/", again)
    assert saved.status_code == 302
    library.refresh_from_db()
    assert (library.name, library.public_catalog, library.language) == ("Alpha Town", False, "fr")
    assert (library.cors_origins, library.settings_version) == (["https://catalog.example.org"], 3)


def test_a_setting_both_editors_changed_keeps_what_was_typed(library):
    browser, opened = _opened_then_renamed(library)
    refused = browser.post("/staff/settings/", {**opened, "name": "Alpha City Library"})
    assert refused.status_code == 400
    assert _changes(refused.text) == [("Display name", "Alpha Town", "Alpha City Library")]
    again = _form(refused.text)
    assert (again["name"], again["version"]) == ("Alpha City Library", "2")
    assert browser.post("/staff/settings/", again).status_code == 302
    library.refresh_from_db()
    assert library.name == "Alpha City Library"


def test_the_refusal_is_in_the_librarians_language(library):
    browser, opened = _opened_then_renamed(library)
    for language, heading, row in (
        ("fr", "Modifié par quelqu\u2019un d\u2019autre depuis l\u2019ouverture de cette page",
         ("Nom affiché", "Alpha Town", "(pas modifié par vous)")),
        ("de", "Seit dem Öffnen dieser Seite von jemand anderem geändert",
         ("Angezeigter Name", "Alpha Town", "(nicht von Ihnen geändert)")),
        ("es", "Cambiado por otra persona desde que abrió esta página",
         ("Nombre visible", "Alpha Town", "(no modificado por usted)")),
    ):  # fmt: skip
        page = browser.post("/staff/settings/", opened, HTTP_ACCEPT_LANGUAGE=language).text
        assert heading in page, language
        assert _changes(page) == [row], language
    assert Library.objects.get(pk=library.pk).name == "Alpha Town"


def test_a_stale_save_with_a_wrong_origin_is_told_the_origin_first(library):
    browser, opened = _opened_then_renamed(library)

    refused = browser.post("/staff/settings/", {**opened, "cors_origins": "catalog.example.org"})

    assert refused.status_code == 400
    assert "&#x27;catalog.example.org&#x27; is not a web origin" in refused.text
    assert "Someone saved these settings after you opened them" not in refused.text
    library.refresh_from_db()
    assert (library.cors_origins, library.settings_version) == ([], 2)


def test_a_page_without_the_contact_field_keeps_the_address(library):
    """A settings page opened before the contact address existed (or a script posting the old
    fields) must not clear it; an emptied field does."""
    library_settings_update(library=library, actor="other@alpha.example",
                            contact_email="desk@alpha.example")  # fmt: skip
    browser: Client = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = browser.get("/staff/settings/").text
    assert 'value="desk@alpha.example"' in page
    older = {name: value for name, value in _form(page).items() if name != "opened"}
    assert "contact_email" not in older
    saved = browser.post("/staff/settings/", older | {"name": "Alpha Town"})
    assert saved.status_code == 302, saved.content
    library.refresh_from_db()
    assert (library.name, library.contact_email) == ("Alpha Town", "desk@alpha.example")

    page = browser.get("/staff/settings/").text
    emptied = browser.post("/staff/settings/", _form(page) | {"contact_email": ""})
    assert emptied.status_code == 302, emptied.content
    library.refresh_from_db()
    assert library.contact_email == ""
