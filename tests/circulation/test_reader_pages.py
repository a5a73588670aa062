"""A patron's own account: sign in with card and PIN (wrong guesses capped) or an emailed link,
see loans, renew, place and cancel holds; never another patron's or another library's."""

import copy
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from circulation.models import Hold, Loan, Patron
from circulation.services import loan_checkout
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def signed_in(desk: Desk, host: str = LIBRARY_HOST) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post(
        "/account/sign-in/", {"barcode": desk.patron.barcode, "pin": "1234", "next": "/account/"}
    )
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == "/account/"
    return client


def test_sign_in_see_loans_renew_and_sign_out(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        loan_checkout(item_barcode=desk.items[2].barcode, patron_barcode=desk.other_patron.barcode)
    client = signed_in(desk)
    page = client.get("/account/").text
    assert desk.patron.name in page
    assert "The Dispossessed" in page
    assert "The Lathe of Heaven" not in page  # Takver's loan
    renewed = client.post("/account/", {"renew": desk.item.barcode}, follow=True)
    assert "Renewed: <bdi>The Dispossessed</bdi>" in renewed.text
    # Another patron's loan cannot be renewed from this account.
    refused = client.post("/account/", {"renew": desk.items[2].barcode}, follow=True)
    assert f'role="alert">Item {desk.items[2].barcode} is not on loan.' in refused.text
    with schema_context(desk.schema):
        assert Loan.objects.get(item=desk.items[2]).renewals == 0
    client.post("/account/sign-out/")
    assert client.get("/account/")["Location"].startswith("/account/sign-in/")


def test_each_renewal_adds_a_loan_period_until_none_are_left(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    client = signed_in(desk)
    due = loan.due_on
    for _ in range(2):  # the default rule allows two
        due += timedelta(days=21)
        renewed = client.post("/account/", {"renew": desk.item.barcode}, follow=True)
        assert (
            f"Renewed: <bdi>The Dispossessed</bdi>, "
            f"now due {date_format(due, 'SHORT_DATE_FORMAT')}." in renewed.text
        )
    refused = client.post("/account/", {"renew": desk.item.barcode}, follow=True)
    assert (
        "<bdi>The Dispossessed</bdi> cannot be renewed again: "
        "it has been renewed as many times as allowed."
    ) in refused.text
    with schema_context(desk.schema):
        assert Loan.objects.get(pk=loan.pk).due_on == due


def test_a_refused_renewal_names_the_reader_s_book_not_its_barcode(desk: Desk) -> None:
    """The account lists titles: a refusal names the title, never the copy's barcode, which
    the reader has no way to tell apart."""
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
    client = signed_in(desk)
    refused = client.post("/account/", {"renew": desk.item.barcode}, follow=True).text
    assert (
        'role="alert"><bdi>The Dispossessed</bdi> cannot be renewed: '
        "another reader is waiting for it." in refused
    )
    assert desk.item.barcode not in refused.split('id="loans"')[0]
    french = client.post(
        "/account/", {"renew": desk.item.barcode}, follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    ).text
    assert "<bdi>The Dispossessed</bdi> ne peut pas être prolongé" in french


def test_each_button_of_the_account_names_its_book(desk: Desk) -> None:
    """A screen reader moving from button to button hears which book each renews or whose
    hold it cancels, not "Renew, Renew, Cancel"."""
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.other_record, patron=desk.patron)
    page = signed_in(desk).get("/account/").text
    assert 'aria-label="Renew The Dispossessed">Renew</button>' in page
    assert 'aria-label="Cancel the hold on The Lathe of Heaven">Cancel</button>' in page


def test_a_reload_after_a_renewal_or_a_cancellation_does_them_no_second_time(desk: Desk) -> None:
    """The account's forms answer with a redirect to the account: reloading the page it shows
    (a phone's pull to refresh) sends nothing again, and the note is shown once."""
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        hold = Hold.objects.create(record=desk.other_record, patron=desk.patron)
    client = signed_in(desk)
    renewed = client.post("/account/", {"renew": desk.item.barcode})
    assert renewed.status_code == 302
    assert renewed["Location"] == "/account/"
    page = client.get("/account/").text
    due = date_format(loan.due_on + timedelta(days=21), "SHORT_DATE_FORMAT")
    assert f"Renewed: <bdi>The Dispossessed</bdi>, now due {due}." in page
    assert "Renewed:" not in client.get("/account/").text  # said once
    with schema_context(desk.schema):
        assert Loan.objects.get(pk=loan.pk).renewals == 1
    cancelled = client.post("/account/", {"cancel": str(hold.pk)})
    assert cancelled.status_code == 302
    assert "Hold cancelled." in client.get("/account/").text
    # A refusal is said the same way, as an alert.
    client.post("/account/", {"cancel": str(hold.pk)})
    assert 'role="alert">This hold is already cancelled.' in client.get("/account/").text


def test_the_catalog_pages_lead_a_reader_to_their_account(desk: Desk) -> None:
    """A reader finds their loans from any page of the catalog, signed in or not."""
    anonymous = Client(HTTP_HOST=LIBRARY_HOST)
    for path in ("/", "/search/?q=dispossessed", f"/records/{desk.record.pk}/"):
        page = anonymous.get(path).text
        assert '<a href="/account/">Your account</a>' in page, path
    assert '<a href="/account/">Your account</a>' in signed_in(desk).get("/account/").text


def test_a_reader_with_no_email_is_not_promised_one(desk: Desk) -> None:
    """Hold notices go by email: a patron the library has no address for is told to look at
    their account instead."""
    client = signed_in(desk)
    page = client.get(f"/account/holds/place/{desk.record.pk}/").text
    assert "you will get an email when a copy waits for you" in page
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(email="")
    page = client.get(f"/account/holds/place/{desk.record.pk}/").text
    assert "you will get an email" not in page
    assert "the library has no email address for you, so your account will say when" in page


def test_every_field_of_the_sign_in_page_has_its_label(desk: Desk) -> None:
    """A label names its field (a screen reader reads it, a tap on it focuses the field): the
    PIN's label named the form around it."""
    page = Client(HTTP_HOST=LIBRARY_HOST).get("/account/sign-in/").text
    fields = re.findall(r'<input id="([^"]+)"', page)
    labels = re.findall(r'<label for="([^"]+)"', page)
    assert sorted(fields) == sorted(labels) == ["barcode", "email", "pin-input"]


def test_the_sign_in_page_offers_a_link_by_email(desk: Desk) -> None:
    page = Client(HTTP_HOST=LIBRARY_HOST).get("/account/sign-in/").text
    assert "Get a sign-in link by email" in page
    assert "Email us" not in page


def test_the_account_shows_dates_as_the_desk_does(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    page = signed_in(desk).get("/account/").text
    assert f"<td>{date_format(loan.due_on, 'SHORT_DATE_FORMAT')}</td>" in page


def test_wrong_pins_are_capped(desk: Desk) -> None:
    client = Client(HTTP_HOST=LIBRARY_HOST)
    for _ in range(5):
        wrong = client.post("/account/sign-in/", {"barcode": desk.patron.barcode, "pin": "0000"})
        assert wrong.status_code == 400
        assert "do not match" in wrong.text
    locked = client.post("/account/sign-in/", {"barcode": desk.patron.barcode, "pin": "1234"})
    assert locked.status_code == 429
    # A patron without a PIN cannot sign in with one.
    none = client.post("/account/sign-in/", {"barcode": desk.other_patron.barcode, "pin": ""})
    assert none.status_code == 400


def test_a_card_number_is_read_in_any_case_and_its_wrong_pins_counted_so(desk: Desk) -> None:
    card = desk.patron.barcode
    assert card.lower() != card.upper()
    typed = Client(HTTP_HOST=LIBRARY_HOST)
    signed = typed.post("/account/sign-in/", {"barcode": card.swapcase(), "pin": "1234"})
    assert signed.status_code == 302
    assert desk.patron.name in typed.get("/account/").text
    # Changing the case of the card does not buy more guesses.
    client = Client(HTTP_HOST=LIBRARY_HOST)
    for typed_as in (card, card.lower(), card.upper(), card.swapcase(), card):
        assert (
            client.post("/account/sign-in/", {"barcode": typed_as, "pin": "0000"}).status_code
            == 400
        )
    locked = client.post("/account/sign-in/", {"barcode": card.lower(), "pin": "1234"})
    assert locked.status_code == 429


def test_an_emailed_link_signs_in(desk: Desk, mailoutbox) -> None:
    client = Client(HTTP_HOST=LIBRARY_HOST)
    sent = client.post("/account/sign-in/", {"email": desk.other_patron.email})
    assert "a sign-in link is on its way" in sent.text
    unknown = client.post("/account/sign-in/", {"email": "nobody@nowhere.example"})
    assert "a sign-in link is on its way" in unknown.text
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Your account at Alpha Library"
    path = re.search(r"http://alpha\.localhost(/account/link/[^/\s]+/)", mailoutbox[0].body)[1]
    assert client.get(path).status_code == 302
    assert desk.other_patron.name in client.get("/account/").text
    assert Client(HTTP_HOST=LIBRARY_HOST).get(path[:-3] + "xx/").status_code == 400


def test_an_emailed_link_leads_back_to_the_hold_being_placed(desk: Desk, mailoutbox) -> None:
    hold_page = f"/account/holds/place/{desk.record.pk}/"
    client = Client(HTTP_HOST=LIBRARY_HOST)
    asked = client.get(hold_page)
    assert asked.status_code == 302
    sign_in = client.get(asked["Location"]).text
    link_form = sign_in[sign_in.index('id="link"') :]
    assert f'name="next" value="{hold_page}"' in link_form
    client.post("/account/sign-in/", {"email": desk.other_patron.email, "next": hold_page})
    link = re.search(r"http://alpha\.localhost(/account/link/\S+)", mailoutbox[0].body)[1]
    landed = client.get(link)
    assert landed.status_code == 302
    assert landed["Location"] == hold_page
    assert client.post(hold_page).status_code == 302
    with schema_context(desk.schema):
        assert Hold.objects.filter(patron=desk.other_patron, record=desk.record).count() == 1


def test_an_emailed_link_never_leads_off_the_library_s_host(desk: Desk, mailoutbox) -> None:
    client = Client(HTTP_HOST=LIBRARY_HOST)
    client.post("/account/sign-in/", {"email": desk.other_patron.email, "next": "//evil.example/"})
    link = re.search(r"http://alpha\.localhost(/account/link/\S+)", mailoutbox[0].body)[1]
    assert client.get(link)["Location"] == "/account/"
    forged = re.sub(r"/\?.*$", "/?next=https://evil.example/", link)
    assert Client(HTTP_HOST=LIBRARY_HOST).get(forged)["Location"] == "/account/"


def test_place_and_cancel_a_hold(desk: Desk) -> None:
    record_page = Client(HTTP_HOST=LIBRARY_HOST).get(f"/records/{desk.record.pk}/").text
    assert f"/account/holds/place/{desk.record.pk}/" in record_page
    client = signed_in(desk)
    assert client.get(f"/account/holds/place/{desk.record.pk}/").status_code == 200
    placed = client.post(f"/account/holds/place/{desk.record.pk}/", follow=True)
    assert placed.redirect_chain[-1][0] == "/account/"
    said = "Your hold on \u201cThe Dispossessed\u201d is placed: we will tell you when it is ready."
    assert f'<p id="message">{said}</p>' in placed.text
    twice = client.post(f"/account/holds/place/{desk.record.pk}/")
    assert twice.status_code == 400
    with schema_context(desk.schema):
        hold = Hold.objects.get(patron=desk.patron)
        theirs = Hold.objects.create(record=desk.other_record, patron=desk.other_patron)
    assert "The Dispossessed" in client.get("/account/").text
    refused = client.post("/account/", {"cancel": str(theirs.pk)}, follow=True)
    assert 'role="alert">No such hold.' in refused.text
    assert "Hold cancelled." in client.post("/account/", {"cancel": str(hold.pk)}, follow=True).text
    with schema_context(desk.schema):
        hold.refresh_from_db()
        theirs.refresh_from_db()
    assert hold.status == Hold.Status.CANCELLED
    assert theirs.status == Hold.Status.WAITING


def test_the_reader_is_told_about_their_own_loans_and_holds(desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    client = signed_in(desk)
    offered = client.get(f"/account/holds/place/{desk.record.pk}/")
    assert "You have this title on loan already." in offered.text
    assert "Place the hold" not in offered.text
    on_loan = client.post(f"/account/holds/place/{desk.record.pk}/")
    assert on_loan.status_code == 400
    assert "You have this title on loan already." in on_loan.text
    assert "This patron" not in on_loan.text
    assert client.post(f"/account/holds/place/{desk.other_record.pk}/").status_code == 302
    again = client.get(f"/account/holds/place/{desk.other_record.pk}/")
    assert "You already have a hold on this title." in again.text
    assert "Place the hold" not in again.text
    twice = client.post(f"/account/holds/place/{desk.other_record.pk}/")
    assert "You already have a hold on this title." in twice.text
    assert "This patron" not in twice.text
    with schema_context(desk.schema):
        assert Hold.objects.filter(patron=desk.patron).count() == 1


def test_another_library(desk: Desk, other_desk: Desk) -> None:
    client = signed_in(desk)
    # A's session is nobody on B's host.
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(client.cookies)
    assert visitor.get("/account/").status_code == 302
    # B's card does not open A's accounts.
    wrong = Client(HTTP_HOST=LIBRARY_HOST).post(
        "/account/sign-in/", {"barcode": other_desk.patron.barcode, "pin": "1234"}
    )
    assert wrong.status_code == 400
    # B's record ids are not found on A's host, and nothing is placed.
    missing = client.get(f"/account/holds/place/{other_desk.record.pk + 10**9}/")
    assert missing.status_code == 404
    with schema_context(other_desk.schema):
        assert Hold.objects.count() == 0


@pytest.mark.parametrize("path", ["/account/", "/account/holds/place/1/"])
def test_anonymous_readers_are_asked_to_sign_in(desk: Desk, path: str) -> None:
    response = Client(HTTP_HOST=LIBRARY_HOST).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")


HINTS = {"en": "(sign in with your library card)", "fr": "(connectez-vous avec votre carte"}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_signed_in_reader_is_offered_the_hold_without_the_sign_in_hint(
    desk: Desk, other_desk: Desk, language: str
) -> None:
    from tenants.administration import library_settings_update
    from tenants.models import Library

    library_settings_update(
        library=Library.objects.get(schema_name=desk.schema), actor="test", language=language
    )
    page = f"/records/{desk.record.pk}/"
    anonymous = Client(HTTP_HOST=LIBRARY_HOST).get(page).text
    assert HINTS[language] in anonymous
    # Asked after an anonymous visit, so a page cached for anonymous readers would show.
    reader = signed_in(desk)
    offered = reader.get(page).text
    assert f'href="/account/holds/place/{desk.record.pk}/" id="place-hold">' in offered
    assert HINTS[language] not in offered
    # The signed-in reader's page is not what anonymous readers are served afterwards.
    assert HINTS[language] in Client(HTTP_HOST=LIBRARY_HOST).get(page).text
    # A's session signs no one in on B's host: B's record page still asks for a card.
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(reader.cookies)
    elsewhere = visitor.get(f"/records/{other_desk.record.pk}/").text
    assert "(sign in with your library card)" in elsewhere
    # Signed out, the reader is asked for their card again.
    reader.post("/account/sign-out/")
    assert HINTS[language] in reader.get(page).text
