"""Patrons at the desk are found and listed by name without regard to accents or case:
"muller" finds "Müller", and names sort as in a card index."""

import html
import re

from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import Patron
from circulation.services import PatronData, patron_create
from tests.api.test_circulation_api import patron_key
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST


def _add(schema: str, *names: str) -> None:
    with schema_context(schema):
        for n, name in enumerate(names):
            patron_create(data=PatronData(name=name, barcode=f"N-{n}"))


def _listed(page: str, names: set[str]) -> list[str]:
    """The names of `names` in the order the page lists them."""
    found = re.findall(r">([^<>]+)</a>", page)
    return [name for name in found if name in names]


def test_the_desk_finds_a_name_typed_without_its_accents(librarian: Client, desk: Desk) -> None:
    _add(desk.schema, "Müller, Herta", "Muller, Anna", "García Márquez, Gabriel", "Mull, Ian")
    page = librarian.get("/staff/patrons/", {"q": "muller"}).text
    assert _listed(page, {"Müller, Herta", "Muller, Anna", "Mull, Ian"}) == [
        "Muller, Anna", "Müller, Herta",
    ]  # fmt: skip
    page = librarian.get("/staff/patrons/", {"q": "MÜLLER"}).text
    assert _listed(page, {"Müller, Herta", "Muller, Anna"}) == ["Muller, Anna", "Müller, Herta"]
    assert "García Márquez, Gabriel" in librarian.get("/staff/patrons/", {"q": "garcia marq"}).text


def test_the_desk_finds_a_name_typed_without_its_apostrophe_or_with_the_other_one(
    librarian: Client, desk: Desk
) -> None:
    _add(desk.schema, "O'Brien, Kate", "O\u2019Neill, Sean", "Obi, Ada")
    for q in ("obrien", "O\u2019Brien", "o'brien", "brien"):
        page = html.unescape(librarian.get("/staff/patrons/", {"q": q}).text)
        assert _listed(page, {"O'Brien, Kate", "Obi, Ada"}) == ["O'Brien, Kate"], q
    page = html.unescape(librarian.get("/staff/patrons/", {"q": "O'Neill"}).text)
    assert "O\u2019Neill, Sean" in page


def test_the_desk_lists_names_without_regard_to_case_or_accents(
    librarian: Client, desk: Desk
) -> None:
    names = ["Zola, Émile", "de Vries, Anna", "Émond, Lucie", "Ellis, Bret", "Fry, Stephen"]
    _add(desk.schema, *names)
    page = librarian.get("/staff/patrons/").text
    assert _listed(page, set(names)) == [
        "de Vries, Anna", "Ellis, Bret", "Émond, Lucie", "Fry, Stephen", "Zola, Émile",
    ]  # fmt: skip


def test_the_api_finds_patrons_without_accents_and_only_its_librarys(
    desk: Desk, other_desk: Desk
) -> None:
    _add(desk.schema, "Müller, Herta")
    _add(other_desk.schema, "Müller, Otto")
    with schema_context(other_desk.schema):
        theirs = sorted(Patron.objects.values_list("id", "name", "barcode"))
    client = patron_key(desk.schema, LIBRARY_HOST, "read")
    response = client.get("/api/v1/patrons/", {"q": "muller"})
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Müller, Herta"]
    with schema_context(other_desk.schema):
        assert sorted(Patron.objects.values_list("id", "name", "barcode")) == theirs


def test_the_desk_finds_umlauts_spelt_either_way(librarian: Client, desk: Desk) -> None:
    names = {"Müller, Herta", "Mueller, Hans", "Muller, Anna", "Schäfer, Ömer", "Michael, Poet"}
    _add(desk.schema, *names)
    expected = {
        "Müller": ["Mueller, Hans", "Muller, Anna", "Müller, Herta"],
        "mueller": ["Mueller, Hans", "Müller, Herta"],
        "muller": ["Muller, Anna", "Müller, Herta"],
        "Schaefer": ["Schäfer, Ömer"],
        "oemer": ["Schäfer, Ömer"],
        "poet": ["Michael, Poet"],
        "pot": [],
    }
    for q, found in expected.items():
        page = html.unescape(librarian.get("/staff/patrons/", {"q": q}).text)
        assert _listed(page, names) == found, q


def test_the_api_finds_patrons_by_umlauts_and_apostrophes_spelt_either_way(desk: Desk) -> None:
    _add(desk.schema, "Mueller, Hans", "Schäfer, Ömer", "O'Brien, Kate", "Obi, Ada")
    client = patron_key(desk.schema, LIBRARY_HOST, "read")
    for q, found in [
        ("Müller", ["Mueller, Hans"]), ("Schaefer", ["Schäfer, Ömer"]),
        ("obrien", ["O'Brien, Kate"]), ("O\u2019Brien", ["O'Brien, Kate"]),
    ]:  # fmt: skip
        response = client.get("/api/v1/patrons/", {"q": q})
        assert response.status_code == 200
        assert [row["name"] for row in response.json()["results"]] == found, q
