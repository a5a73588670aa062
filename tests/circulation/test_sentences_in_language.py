"""Sentences of circulation as each language writes them: the desk's refusal after the barcode
with the language's colon, the hold shelf's mail subject with the title first, the overdue and
due-soon subjects as sentences naming the library, and a copy on loan on the record page with
its return date after a comma."""

import datetime

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from circulation.models import Hold, Loan
from circulation.notices import notices_prepare, notices_send
from circulation.selectors import today
from circulation.services import loan_checkin, loan_checkout
from tenants.administration import library_settings_update
from tenants.models import Library
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import scan, scan_lent_copy
from tests.circulation.test_record_page import copies_table
from tests.conftest import LIBRARY_HOST


def test_a_refused_scan_follows_its_barcode_with_the_language_s_colon(
    librarian: Client, desk: Desk
) -> None:
    english = scan_lent_copy(
        librarian, desk.item.barcode, lent_to=desk.patron.barcode, at_desk=desk.other_patron.barcode
    )
    assert f"{desk.item.barcode}: " in english
    librarian.get("/language/", {"language": "fr", "next": "/staff/desk/"})
    french = scan(librarian, desk.item.barcode)
    assert f"{desk.item.barcode}\u00a0: " in french
    assert f"{desk.item.barcode}: " not in french


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "The Dispossessed is waiting for you"),
        ("fr", "The Dispossessed vous attend"),
        ("de", "The Dispossessed liegt für Sie bereit"),
        ("es", "The Dispossessed le espera"),
    ],
)
def test_the_hold_shelf_mail_names_the_title_first(
    desk: Desk, library, mailoutbox, language, subject
) -> None:
    with schema_context(desk.schema):
        library_settings_update(library=library, actor="test", language=language)
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        loan_checkin(item_barcode=desk.item.barcode)
    with tenant_context(Library.objects.get(pk=library.pk)):
        assert notices_send() == 1
    assert [m.subject for m in mailoutbox] == [subject]


@pytest.mark.parametrize(
    ("language", "overdue", "due_soon"),
    [
        ("en", "The Dispossessed is overdue at Alpha Library",
         "The Dispossessed is due back soon at Alpha Library"),
        ("fr", "Alpha Library\u00a0: The Dispossessed est en retard",
         "Alpha Library\u00a0: The Dispossessed est bientôt à rendre"),
        ("de", "The Dispossessed ist bei Alpha Library überfällig",
         "The Dispossessed ist bei Alpha Library bald fällig"),
        ("es", "El préstamo de The Dispossessed ha vencido en Alpha Library",
         "El préstamo de The Dispossessed vence pronto en Alpha Library"),
    ],
)  # fmt: skip
def test_overdue_and_due_soon_subjects_are_sentences_naming_the_library(
    desk: Desk, library, mailoutbox, language, overdue, due_soon
) -> None:
    with schema_context(desk.schema):
        library_settings_update(library=library, actor="test", language=language)
        for item, days in ((desk.items[0], -2), (desk.items[1], 1)):
            loan = loan_checkout(item_barcode=item.barcode, patron_barcode=desk.patron.barcode)
            Loan.objects.filter(pk=loan.pk).update(due_on=today() + datetime.timedelta(days))
    # As the worker runs them: in the library, in its language.
    with tenant_context(Library.objects.get(pk=library.pk)):
        notices_prepare()
        assert notices_send() == 2
    assert sorted(m.subject for m in mailoutbox) == sorted([overdue, due_soon])


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", 'On loan</span>, <span class="availability">due back on Dec. 25, 2026'),
        ("fr", 'En prêt</span>, <span class="availability">retour prévu le 25 décembre 2026'),
        ("de", 'Ausgeliehen</span>, <span class="availability">Rückgabe am 25. Dezember 2026'),
        ("es", 'En préstamo</span>, <span class="availability">devolución prevista el 25 de '),
    ],
)
def test_a_copy_on_loan_says_when_it_is_due_back(desk: Desk, language, said) -> None:
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Loan.objects.filter(pk=loan.pk).update(due_on=datetime.date(2026, 12, 25))
    client = Client(HTTP_HOST=LIBRARY_HOST, HTTP_ACCEPT_LANGUAGE=language)
    client.get("/language/", {"language": language, "next": "/"})
    page = client.get(f"/records/{desk.record.pk}/").text
    assert said in copies_table(page)
