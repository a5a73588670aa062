"""Notices: due-soon and overdue emails from the periodic task, each sent once, and the hold
shelf's notice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format
from django_tenants.utils import schema_context, tenant_context

from catalog.models import Record
from circulation.models import Hold, Loan, Notice
from circulation.notices import notices_prepare, notices_send
from circulation.selectors import today
from circulation.services import loan_checkin, loan_checkout
from tenants.administration import library_settings_update
from tenants.domains import site_url
from tenants.models import Library
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST
from worker.circulation import circulation_daily, circulation_notices_send


def lend_three(desk: Desk) -> None:
    """One loan due tomorrow, one overdue, one due in three weeks."""
    for n, due in enumerate((1, -3, 21)):
        loan = loan_checkout(item_barcode=desk.items[n].barcode, patron_barcode=desk.patron.barcode)
        Loan.objects.filter(pk=loan.pk).update(due_on=today() + timedelta(days=due))


def test_the_daily_task_mails_each_notice_once(desk: Desk, mailoutbox) -> None:
    with schema_context(desk.schema):
        lend_three(desk)
        first = circulation_daily.apply().get()
        assert first["notices_noted"] == 2
        assert first["notices_sent"] == 2
        assert sorted(m.subject for m in mailoutbox) == [
            f"{desk.items[0].record.title} is due back soon",
            f"{desk.items[1].record.title} is overdue",
        ]
        assert {tuple(m.to) for m in mailoutbox} == {(desk.patron.email,)}
        again = circulation_daily.apply().get()
        assert again["notices_noted"] == 0
        assert again["notices_sent"] == 0
        assert len(mailoutbox) == 2


def test_a_renewed_loan_is_noticed_again_for_its_new_date(desk: Desk, mailoutbox) -> None:
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Loan.objects.filter(pk=loan.pk).update(due_on=today() + timedelta(days=1))
        notices_prepare()
        assert notices_send() == 1
        Loan.objects.filter(pk=loan.pk).update(due_on=today() + timedelta(days=2))
        notices_prepare()
        assert notices_send() == 1
        assert notices_send() == 0
        assert len(mail.outbox) == 2


def test_a_trapped_hold_mails_its_patron(desk: Desk, mailoutbox) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        loan_checkin(item_barcode=desk.item.barcode)
        assert notices_send() == 1
        assert mailoutbox[0].to == [desk.other_patron.email]
        assert desk.record.title in mailoutbox[0].subject
        assert Notice.objects.filter(sent_at__isnull=True).count() == 0
        # A title with no right-to-left letter is sent bare: no isolates for a mail program
        # to draw as boxes.
        assert "\u2068" not in mailoutbox[0].subject + mailoutbox[0].body


def test_a_right_to_left_title_is_isolated_in_the_notice(desk: Desk, mailoutbox) -> None:
    with schema_context(desk.schema):
        Record.objects.filter(pk=desk.record.pk).update(title="\u05d4\u05e1\u05e4\u05e8 42")
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        loan_checkin(item_barcode=desk.item.barcode)
        assert notices_send() == 1
        assert "\u2068\u05d4\u05e1\u05e4\u05e8 42\u2069" in mailoutbox[0].subject


def test_overdue_holds_expire_and_the_item_passes_on(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        first = Hold.objects.create(record=desk.record, patron=desk.other_patron)
        second = Hold.objects.create(record=desk.record, patron=desk.patron)
        loan_checkin(item_barcode=desk.item.barcode)
        first.refresh_from_db()
        assert first.status == Hold.Status.READY
        Hold.objects.filter(pk=first.pk).update(shelf_until=today() - timedelta(days=1))
        circulation_daily.apply().get()
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == Hold.Status.EXPIRED
        assert second.status == Hold.Status.READY
        assert second.item_id == desk.item.pk


def test_a_notice_joins_title_and_subtitle_in_the_librarys_language(
    desk: Desk, library, mailoutbox
) -> None:
    with schema_context(desk.schema):
        Record.objects.filter(pk=desk.record.pk).update(subtitle="a utopia")
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    for language, days in (("en", 2), ("fr", 3)):
        with schema_context(desk.schema):
            library_settings_update(library=library, actor="test", language=language)
        # As the worker runs them: in the library, as its settings now stand.
        with tenant_context(Library.objects.get(pk=library.pk)):
            Loan.objects.filter(pk=loan.pk).update(due_on=today() - timedelta(days=days))
            notices_prepare()
            notices_send()

    assert [m.subject for m in mailoutbox] == [
        "The Dispossessed: a utopia is overdue at Alpha Library",
        "Alpha Library\u00a0: The Dispossessed\u00a0: a utopia est en retard",
    ]


HOLD_MAIL_WORDS = {
    "en": ("Hello Takver Anarres,", "is on the hold shelf for you at Alpha Library until",
           "Your loans and holds are in your account: ", "Contact: desk@alpha.example"),
    "fr": ("Bonjour Takver Anarres,", "sur l\u2019étagère des réservations (Alpha Library).",
           "Vos prêts et réservations sont dans votre compte\u00a0: ",
           "Contact\u00a0: desk@alpha.example"),
    "de": ("Guten Tag Takver Anarres,", "bei Alpha Library im Abholregal für Sie bereit.",
           "Ihre Ausleihen und Vormerkungen finden Sie in Ihrem Konto: ",
           "Kontakt: desk@alpha.example"),
    "es": ("Hola, Takver Anarres:", "le espera en el estante de reservas de Alpha Library hasta",
           "Sus préstamos y reservas están en su cuenta: ", "Contacto: desk@alpha.example"),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(HOLD_MAIL_WORDS))
def test_the_hold_shelf_mail_greets_and_says_where_until_when_and_how_to_reach_us(
    desk: Desk, library: Library, mailoutbox, language: str
) -> None:
    library_settings_update(
        library=library, actor="test", language=language, contact_email="desk@alpha.example"
    )
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        loan_checkin(item_barcode=desk.item.barcode)
        until = Hold.objects.get(patron=desk.other_patron).shelf_until
    with tenant_context(Library.objects.get(pk=library.pk)):
        assert circulation_notices_send.apply().get() == 1
    body = mailoutbox[0].body
    greeting, ready, account, contact = HOLD_MAIL_WORDS[language]
    assert body.startswith(greeting + "\n\n" + desk.record.title)
    assert ready in body
    with translation.override(language):
        assert date_format(until, "DATE_FORMAT") in body
    assert f"{account}{site_url(LIBRARY_HOST, '/account/')}\n" in body
    assert body.endswith(f"\n\nAlpha Library\n{contact}\n")
