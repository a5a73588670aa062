"""Mail to readers comes from the library: its name as the sender's, the platform's address,
and replies to the library's contact address when it has one; the contact address is a setting
only the library's own admins change."""

from datetime import timedelta
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from django.conf import settings
from django_tenants.utils import schema_context, tenant_context

from circulation.models import Loan
from circulation.notices import notices_prepare, notices_send
from circulation.readers import patron_sign_in_link_send
from circulation.selectors import today
from circulation.services import loan_checkout
from tenants.administration import library_settings_update
from tenants.models import Library
from tests.circulation.conftest import Desk
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

PLATFORM_ADDRESS = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _mail_as(library: Library, desk: Desk, language: str, contact: str) -> None:
    """An overdue notice and a sign-in link, mailed as the worker and the website mail them."""
    with schema_context(desk.schema):
        library_settings_update(
            library=library, actor="test", name="Bibliothèque d'Alpha", language=language,
            contact_email=contact,
        )  # fmt: skip
    with tenant_context(Library.objects.get(pk=library.pk)):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Loan.objects.filter(pk=loan.pk).update(due_on=today() - timedelta(days=2))
        notices_prepare()
        assert notices_send() == 1
        patron_sign_in_link_send(email=desk.patron.email, base_url=f"http://{LIBRARY_HOST}")


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "The Dispossessed is overdue at Bibliothèque d'Alpha"),
        ("fr", "Bibliothèque d'Alpha\u00a0: The Dispossessed est en retard"),
    ],
)
def test_mail_to_readers_comes_from_the_library_and_replies_reach_it(
    library, desk: Desk, mailoutbox, language: str, subject: str
) -> None:
    _mail_as(library, desk, language, "desk@alpha.example")

    assert len(mailoutbox) == 2
    assert mailoutbox[0].subject == subject
    for sent in mailoutbox:
        assert parseaddr(sent.from_email) == ("Bibliothèque d'Alpha", PLATFORM_ADDRESS)
        assert sent.reply_to == ["desk@alpha.example"]
        assert sent.message()["Reply-To"] == "desk@alpha.example"
        written = str(make_header(decode_header(sent.message()["From"])))
        assert parseaddr(written) == ("Bibliothèque d'Alpha", PLATFORM_ADDRESS)


def test_without_a_contact_address_there_is_no_reply_to(library, desk: Desk, mailoutbox) -> None:
    _mail_as(library, desk, "en", "")

    assert [parseaddr(m.from_email)[0] for m in mailoutbox] == ["Bibliothèque d'Alpha"] * 2
    assert [m.reply_to for m in mailoutbox] == [[], []]
    assert all(m.message()["Reply-To"] is None for m in mailoutbox)


def test_admins_set_the_contact_address_and_a_wrong_one_is_refused_in_words(library) -> None:
    admin = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example")

    wrong = admin.patch("/api/v1/settings/", {"contact_email": "desk at alpha"}, format="json")
    assert wrong.status_code == 400
    assert "\u201cdesk at alpha\u201d is not an email address" in wrong.json()["detail"]
    library.refresh_from_db()
    assert (library.contact_email, library.settings_version) == ("", 1)

    good = admin.patch(
        "/api/v1/settings/", {"contact_email": " desk@alpha.example "}, format="json"
    )
    assert good.status_code == 200
    assert good.json()["contact_email"] == "desk@alpha.example"


def test_another_librarys_admin_cannot_set_the_contact_address(library, other_library) -> None:
    other = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example")

    refused = other.patch(
        "/api/v1/settings/", {"contact_email": "x@beta.example"}, format="json",
        HTTP_HOST=LIBRARY_HOST,
    )  # fmt: skip

    assert refused.status_code in (401, 403)
    library.refresh_from_db()
    assert library.contact_email == ""
