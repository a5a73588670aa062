"""The patron page and the API take a category by its code or by its name in any of Stacks's
languages, as a patron file does ("Erwachsene", "adulte": adult), and refuse one the library
does not have, naming those it has; never across libraries."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import LoanRule, Patron
from tests.api.conftest import callers_of
from tests.api.test_circulation_api import patron_key, snapshot
from tests.circulation.conftest import Desk, staff_client
from tests.circulation.test_patron_block import fresh, patron_form
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, language_set

UNKNOWN = "Bücherbus"


def _category(desk: Desk, barcode: str) -> str:
    with schema_context(desk.schema):
        return Patron.objects.get(barcode=barcode).category


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Erwachsene", "adult"), ("adulte", "adult"), ("NIÑO", "child"), ("Enfant", "child"),
     ("senior", "senior"), ("cdi", "cdi")],
)  # fmt: skip
def test_the_patron_page_takes_a_category_by_any_name(
    librarian: Client, desk: Desk, typed: str, code: str
) -> None:
    with schema_context(desk.schema):
        LoanRule.objects.create(patron_category="cdi")  # a category of the library's own
    made = librarian.post(
        "/staff/patrons/new/", {"name": "Odo", "barcode": "P-ODO", "category": typed}
    )
    assert made.status_code == 302, made.text[-3000:]
    assert _category(desk, "P-ODO") == code
    url = f"/staff/patrons/{desk.patron.pk}/"
    saved = librarian.post(url, patron_form(fresh(desk), category=typed))
    assert saved.status_code == 302
    assert fresh(desk).category == code


def test_the_patron_page_refuses_a_category_the_library_lacks_at_the_field(
    library, librarian: Client, desk: Desk
) -> None:
    language_set(library, "de")
    url = f"/staff/patrons/{desk.patron.pk}/"
    refused = librarian.post(url, patron_form(fresh(desk), category=UNKNOWN))
    assert refused.status_code == 400
    said = (
        "„Bücherbus“ ist keine Leserkategorie der Bibliothek: Erwachsene (adult), "
        "Jugendliche (teen), Kinder (child), Personal (staff), Senioren (senior), "
        "Studierende (student)."
    )
    assert f'id="id_category-error" role="alert">{said}</span>' in refused.text  # at the field
    assert fresh(desk).category == "adult"
    made = librarian.post("/staff/patrons/new/", {"name": "Odo", "barcode": "P-ODO",
                                                   "category": UNKNOWN})  # fmt: skip
    assert made.status_code == 400
    assert "„Bücherbus“ ist keine Leserkategorie" in made.text
    with schema_context(desk.schema):
        assert not Patron.objects.filter(barcode="P-ODO").exists()


def test_the_api_takes_a_category_by_any_name_and_refuses_an_unknown_one(
    library, desk: Desk
) -> None:
    callers = callers_of(library.schema_name, LIBRARY_HOST)
    key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    made = key.post(
        "/api/v1/patrons/",
        {"name": "Odo", "barcode": "P-ODO", "category": "Erwachsene"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["category"] == "adult"
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    changed = callers["librarian"].patch(url, {"category": "étudiant"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["category"] == "student"
    before = snapshot(desk.schema)
    refused = key.patch(url, {"category": UNKNOWN}, format="json")
    assert refused.status_code == 400
    body = refused.json()
    said = (
        "“Bücherbus” is not one of the library's patron categories: adult, child, senior, "
        "staff, student, teen."
    )
    assert body["errors"] == {"category": [said]}
    created = key.post(
        "/api/v1/patrons/", {"name": "Ann", "barcode": "P-ANN", "category": UNKNOWN},
        format="json",
    )  # fmt: skip
    assert created.status_code == 400
    assert created.json()["errors"] == {"category": [said]}
    assert snapshot(desk.schema) == before
    assert fresh(desk).category == "student"


def test_another_library_cannot_change_a_category(library, other_library, desk: Desk) -> None:
    before = snapshot(desk.schema)
    theirs = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")
    page = theirs.post(
        f"/staff/patrons/{desk.patron.pk}/", patron_form(fresh(desk), category="Kinder")
    )
    assert page.status_code == 404
    stray = patron_key(library.schema_name, OTHER_LIBRARY_HOST, "write")
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    assert stray.patch(url, {"category": "Kinder"}, format="json").status_code == 401
    other_key = patron_key(other_library.schema_name, OTHER_LIBRARY_HOST, "write")
    assert other_key.patch(url, {"category": "Kinder"}, format="json").status_code == 404
    assert snapshot(desk.schema) == before
    assert fresh(desk).category == "adult"
