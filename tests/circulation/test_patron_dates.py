"""The patron page reads a card's date as a patron file's is read (common.dates.date_read): as
the librarian's language writes dates, day.month.year with dots in any language, and ISO 8601
everywhere; a date it cannot read is refused with the forms it takes, in that language. The
API takes ISO 8601 alone, and says so. Another library changes nothing."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import Patron
from tests.api.conftest import callers_of
from tests.api.test_circulation_api import patron_key, snapshot
from tests.circulation.conftest import Desk, staff_client
from tests.circulation.test_patron_block import fresh, patron_form
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, language_set


@pytest.mark.parametrize(
    ("language", "typed"),
    [("de", "31.12.2027"), ("de", "2027-12-31"), ("fr", "31/12/2027"), ("fr", "31.12.2027"),
     ("es", "31/12/2027"), ("es", "31.12.2027"), ("en", "2027-12-31"), ("en", "31.12.2027")],
)  # fmt: skip
def test_the_patron_page_reads_a_date_as_its_librarian_types_it(
    library, librarian: Client, desk: Desk, language: str, typed: str
) -> None:
    language_set(library, language)
    url = f"/staff/patrons/{desk.patron.pk}/"
    saved = librarian.post(url, patron_form(fresh(desk), expires_on=typed))
    assert saved.status_code == 302
    assert str(fresh(desk).expires_on) == "2027-12-31"
    new = {"name": "Odo", "barcode": "P-ODO", "category": "adult", "expires_on": typed}
    made = librarian.post("/staff/patrons/new/", new)
    assert made.status_code == 302
    with schema_context(desk.schema):
        assert str(Patron.objects.get(barcode="P-ODO").expires_on) == "2027-12-31"


@pytest.mark.parametrize(
    ("language", "said"),
    [("de", "„31.13.2027“ ist kein Datum. Im Format JJJJ-MM-TT, TT.MM.JJJJ oder TT.MM.JJ."),
     ("fr", "«\u00a031.13.2027\u00a0» n\u2019est pas une date. Sous la forme AAAA-MM-JJ, "
            "JJ/MM/AAAA, JJ/MM/AA ou JJ.MM.AAAA."),
     ("es", "«31.13.2027» no es una fecha. Con el formato AAAA-MM-DD, DD/MM/AAAA, DD/MM/AA o "
            "DD.MM.AAAA.")],
)  # fmt: skip
def test_a_date_the_page_cannot_read_is_refused_naming_the_forms(
    library, librarian: Client, desk: Desk, language: str, said: str
) -> None:
    language_set(library, language)
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(expires_on="2027-03-31")
    url = f"/staff/patrons/{desk.patron.pk}/"
    refused = librarian.post(url, patron_form(fresh(desk), expires_on="31.13.2027"))
    assert refused.status_code == 400
    assert f'id="id_expires_on-error" role="alert">{said}</span>' in refused.text
    assert str(fresh(desk).expires_on) == "2027-03-31"


def test_the_api_takes_iso_dates_and_names_the_form(library, desk: Desk) -> None:
    key = patron_key(library.schema_name, LIBRARY_HOST, "write")
    url = f"/api/v1/patrons/{desk.patron.pk}/"
    changed = key.patch(url, {"expires_on": "2027-12-31"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["expires_on"] == "2027-12-31"
    before = snapshot(desk.schema)
    refused = key.patch(url, {"expires_on": "31.12.2028"}, format="json")
    assert refused.status_code == 400
    assert "YYYY-MM-DD" in refused.json()["errors"]["expires_on"][0]
    assert snapshot(desk.schema) == before
    assert str(fresh(desk).expires_on) == "2027-12-31"


def test_another_library_cannot_change_a_card_s_date(library, other_library, desk: Desk) -> None:
    before = snapshot(desk.schema)
    theirs = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")
    url = f"/staff/patrons/{desk.patron.pk}/"
    assert theirs.post(url, patron_form(fresh(desk), expires_on="31.12.2027")).status_code == 404
    api = f"/api/v1/patrons/{desk.patron.pk}/"
    their_admin = callers_of(other_library.schema_name, OTHER_LIBRARY_HOST)["admin"]
    assert their_admin.patch(api, {"expires_on": "2027-12-31"}, format="json").status_code == 404
    stray = patron_key(library.schema_name, OTHER_LIBRARY_HOST, "write")
    assert stray.patch(api, {"expires_on": "2027-12-31"}, format="json").status_code == 401
    assert snapshot(desk.schema) == before
    assert fresh(desk).expires_on is None
