"""A block on a patron: set with its reason by staff who may change patrons, lifted by them;
while it stands, nothing is lent, renewed or held for the patron at the desk, over the API or
on their own account, and the desk says so as soon as the card is scanned."""

import copy

from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import Hold, Loan, Patron
from circulation.services import loan_checkout
from tests.circulation.conftest import Desk
from tests.circulation.test_desk_pages import desk_post, scan, state
from tests.circulation.test_reader_pages import signed_in
from tests.conftest import OTHER_LIBRARY_HOST

REASON = "lost book not paid"


def patron_form(patron: Patron, **changes: object) -> dict[str, object]:
    """The patron page's form as it shows `patron`, with `changes`."""
    form: dict[str, object] = {
        "name": patron.name, "barcode": patron.barcode, "email": patron.email,
        "category": patron.category, "notes": patron.notes, "version": patron.version,
    }  # fmt: skip
    if patron.blocked:
        form.update(blocked="on", block_reason=patron.block_reason)
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def block_of(desk: Desk) -> tuple[str, str, bool]:
    with schema_context(desk.schema):
        patron = Patron.objects.get(pk=desk.patron.pk)
    return patron.block_reason, patron.blocked_by, patron.blocked_at is not None


def fresh(desk: Desk) -> Patron:
    with schema_context(desk.schema):
        return Patron.objects.get(pk=desk.patron.pk)


def block(librarian: Client, desk: Desk) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    saved = librarian.post(url, patron_form(fresh(desk), blocked="on", block_reason=REASON))
    assert saved.status_code == 302, saved.content[:2000]


def test_a_librarian_blocks_with_a_reason_and_lifts_the_block(
    librarian: Client, desk: Desk
) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    unreasoned = librarian.post(url, patron_form(fresh(desk), blocked="on"))
    assert unreasoned.status_code == 400
    assert "Say why the patron is blocked" in unreasoned.text
    assert block_of(desk) == ("", "", False)
    block(librarian, desk)
    assert block_of(desk) == (REASON, "librarian-desk@alpha.example", True)
    page = librarian.get(url).text
    assert f"by librarian-desk@alpha.example: <bdi>{REASON}</bdi>." in page
    # Another field saved keeps the block as it was.
    librarian.post(url, patron_form(fresh(desk), notes="Called on Monday"))
    assert block_of(desk) == (REASON, "librarian-desk@alpha.example", True)
    lifted = librarian.post(url, patron_form(fresh(desk), blocked=None))
    assert lifted.status_code == 302
    assert block_of(desk) == ("", "", False)
    assert fresh(desk).notes == "Called on Monday"


def test_a_reason_without_the_block_is_refused_not_dropped(librarian: Client, desk: Desk) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    refused = librarian.post(url, patron_form(fresh(desk), block_reason=REASON))
    assert refused.status_code == 400
    assert "A reason goes with a block" in refused.text
    assert block_of(desk) == ("", "", False)


def test_a_viewer_may_not_block(viewer: Client, desk: Desk) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    refused = viewer.post(url, patron_form(fresh(desk), blocked="on", block_reason=REASON))
    assert refused.status_code == 403
    assert block_of(desk) == ("", "", False)


def test_the_desk_says_the_block_at_once_and_lends_nothing(librarian: Client, desk: Desk) -> None:
    scan(librarian, desk.patron.barcode)
    scan(librarian, desk.item.barcode)  # lent before the block
    scan(librarian, "")
    block(librarian, desk)
    before = state(desk)
    page = scan(librarian, desk.patron.barcode)
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert 'class="desk-error"' in first
    assert f"is blocked: <bdi>{REASON}</bdi>" in first
    header = page.split('<section id="patron">', 1)[1]
    assert 'id="patron-block"' in header
    assert REASON in header.split("</p>", 2)[1]
    # The loan's row offers no renewal, and says why.
    row = page.split('<table id="loans"', 1)[1].split("</tr>", 2)[1]
    assert desk.item.barcode in row
    assert 'name="renew"' not in row
    assert "Not renewed while the patron is blocked" in row
    page = scan(librarian, desk.items[1].barcode)
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert f"is blocked (<bdi>{REASON}</bdi>): nothing can be lent to them until" in first
    # A renewal sent all the same (from a page shown before the block) is refused as one.
    page = desk_post(librarian, {"renew": desk.item.barcode})
    first = page.split('<ul id="lines"', 1)[1].split("</li>", 1)[0]
    assert "their loans cannot be renewed until the block is lifted" in first
    assert state(desk) == before
    # Taking a copy back still works: it is the patron's way out of the block.
    scan(librarian, "")
    page = scan(librarian, desk.item.barcode)
    assert "checked in" in page


def test_a_blocked_reader_is_told_to_contact_the_library(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
    block(librarian, desk)
    reader = signed_in(desk)
    page = reader.get("/account/").text
    assert "Your account is blocked" in page
    assert "please contact the library" in page.lower()
    assert REASON not in page  # staff's words stay with staff
    refused = reader.post("/account/", {"renew": desk.item.barcode}, follow=True)
    assert 'role="alert">Your account is blocked' in refused.text
    hold_page = reader.get(f"/account/holds/place/{desk.other_record.pk}/")
    assert "Your account is blocked" in hold_page.text
    placed = reader.post(f"/account/holds/place/{desk.other_record.pk}/")
    assert placed.status_code == 400
    with schema_context(desk.schema):
        assert Loan.objects.get(item=desk.item).renewals == 0
        assert not Hold.objects.exists()


def test_another_library_cannot_block_or_see_the_block(
    librarian: Client, desk: Desk, other_desk: Desk
) -> None:
    with schema_context(other_desk.schema):
        theirs = Patron.objects.get(pk=other_desk.patron.pk)
    # A's session means nothing on B's host; B's patron ids are not found on A's.
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(librarian.cookies)
    form = patron_form(theirs, blocked="on", block_reason=REASON)
    sent = visitor.post(f"/staff/patrons/{theirs.pk}/", form)
    assert sent.status_code == 302
    assert sent["Location"].startswith("/staff/login/")
    far = theirs.pk + 10**6
    assert librarian.post(f"/staff/patrons/{far}/", form).status_code == 404
    with schema_context(other_desk.schema):
        assert Patron.objects.get(pk=theirs.pk).blocked_at is None
