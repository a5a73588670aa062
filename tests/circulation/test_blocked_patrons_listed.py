"""The staff list of patrons marks a blocked patron beside their name and can be narrowed to the
blocked ones, on the page and over the API, each library to its own patrons."""

import re

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from circulation.models import Patron
from tests.api.conftest import callers_of
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST


def _block(schema: str, patron: Patron) -> None:
    with schema_context(schema):
        Patron.objects.filter(pk=patron.pk).update(
            blocked_at=timezone.now(), blocked_by="desk@a.example", block_reason="Lost three books"
        )


def _rows(page: str) -> dict[str, str]:
    """Each listed patron's barcode, with the text of their name's cell."""
    body = page.split('<table id="patrons"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>([^<]*)</td>", body)
    return {barcode: re.sub(r"<[^>]+>", "", name) for name, barcode in rows}


def test_a_blocked_patron_is_marked_and_the_list_narrows_to_them(
    librarian: Client, desk: Desk
) -> None:
    _block(desk.schema, desk.patron)

    listed = _rows(librarian.get("/staff/patrons/").text)
    assert listed == {
        desk.patron.barcode: "Shevek Anarres Blocked",
        desk.other_patron.barcode: "Takver Anarres",
    }
    german = _rows(librarian.get("/staff/patrons/", HTTP_ACCEPT_LANGUAGE="de").text)
    assert german[desk.patron.barcode] == "Shevek Anarres Gesperrt"

    only_blocked = librarian.get("/staff/patrons/", {"blocked": "1"}).text
    assert _rows(only_blocked) == {desk.patron.barcode: "Shevek Anarres Blocked"}
    assert 'name="blocked" value="1" checked' in only_blocked
    assert _rows(librarian.get("/staff/patrons/", {"blocked": "1", "q": "takver"}).text) == {}


def test_the_blocked_filter_lists_only_the_library_s_own_patrons(
    librarian: Client, desk: Desk, other_desk: Desk
) -> None:
    _block(other_desk.schema, other_desk.patron)
    _block(other_desk.schema, other_desk.other_patron)
    with schema_context(other_desk.schema):
        theirs_before = list(Patron.objects.order_by("pk").values_list("barcode", "blocked_at"))

    assert _rows(librarian.get("/staff/patrons/", {"blocked": "1"}).text) == {}
    api = callers_of(desk.schema, LIBRARY_HOST)["librarian"]
    assert api.get("/api/v1/patrons/", {"blocked": "true"}).json()["results"] == []

    _block(desk.schema, desk.other_patron)
    assert _rows(librarian.get("/staff/patrons/", {"blocked": "1"}).text) == {
        desk.other_patron.barcode: "Takver Anarres Blocked"
    }
    found = api.get("/api/v1/patrons/", {"blocked": "true"}).json()["results"]
    assert [(p["barcode"], p["blocked"]) for p in found] == [(desk.other_patron.barcode, True)]
    with schema_context(other_desk.schema):
        assert list(Patron.objects.order_by("pk").values_list("barcode", "blocked_at")) == (
            theirs_before
        )
