"""The library admin's pages: the same actions as the API, as server-rendered forms."""

import re
from email.utils import parseaddr

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from staff.models import ApiKey, AuditEvent, User
from tenants.models import Domain, Library
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD, domain_prove
from tests.tenants.admin_helpers import last_invitation_link, signed_in

PLATFORM_ADDRESS = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


@pytest.fixture
def browser(library) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)


def test_every_page_has_labelled_forms(browser):
    for path, labels in (
        ("/staff/people/", ["Email", "Role"]),
        ("/staff/api-keys/", ["Name", "Scope", "Expires at (optional, in the library time zone)"]),
        ("/staff/domains/", ["Custom domain"]),
        ("/staff/settings/", ["Display name", "Public catalog (anyone may search)"]),
    ):
        page = browser.get(path)
        assert page.status_code == 200, path
        for label in labels:
            assert re.search(rf'<label for="id_\w+">{re.escape(label)}</label>', page.text), label
    assert browser.get("/staff/audit/").status_code == 200


def test_invite_from_the_page(browser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/staff/people/", {"email": "p@alpha.example", "role": "viewer"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["p@alpha.example"]
    page = browser.get("/staff/people/")
    said = "Invitation sent to p@alpha.example: they choose their password from its link."
    assert f'<div role="status"><p class="success">{said}</p></div>' in page.text
    assert "Resend invitation to p@alpha.example" in page.text

    taken = browser.post("/staff/people/", {"email": "p@alpha.example", "role": "viewer"})
    assert taken.status_code == 400
    assert "already exists" in taken.text
    invalid = browser.post("/staff/people/", {"email": "nope", "role": "viewer"})
    assert invalid.status_code == 400
    assert "Invalid email" in invalid.text
    with schema_context("alpha"):
        assert User.objects.filter(email="p@alpha.example").count() == 1


def test_an_invitation_offers_the_librarian_s_role_first(browser):
    """A colleague invited without a look at the role becomes a librarian, not an admin of
    the library's staff, keys and domains."""
    page = browser.get("/staff/people/").content.decode()
    assert '<option value="librarian" selected>' in page
    assert '<option value="admin" selected>' not in page


def _key_form(browser, **fields):
    """The API key form's fields as the page gives them (its one-time token included)."""
    page = browser.get("/staff/api-keys/").content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page)[1]
    return {"once": once, **fields}


def test_api_key_secret_is_shown_once_on_the_page(browser):
    created = browser.post("/staff/api-keys/", _key_form(browser, name="Kiosk", scope="read"))
    assert created.status_code == 200
    secret = re.search(r'<code id="new-key">([^<]+)</code>', created.text)[1]
    assert secret not in browser.get("/staff/api-keys/").text
    with schema_context("alpha"):
        key = ApiKey.objects.get()
    assert browser.post(f"/staff/api-keys/{key.pk}/revoke/").status_code == 302
    refused = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}").get("/api/v1/")
    assert refused.status_code == 401


def test_a_reload_after_creating_a_key_creates_no_second_one(browser):
    """The answer to a creation shows the secret, so a reload (or Back and a second click)
    sends the same form again: it is refused, and one key stands."""
    form = _key_form(browser, name="Kiosk", scope="read")
    assert browser.post("/staff/api-keys/", form).status_code == 200
    again = browser.post("/staff/api-keys/", form)
    assert again.status_code == 400
    assert "nothing more was created" in again.content.decode()
    assert 'id="new-key"' not in again.content.decode()
    assert 'value="Kiosk"' in again.content.decode()  # what was typed is kept
    with schema_context("alpha"):
        assert list(ApiKey.objects.values_list("name", flat=True)) == ["Kiosk"]
    # A form sent without the page's token (a copy made elsewhere) creates nothing either.
    assert browser.post("/staff/api-keys/", {"name": "Other", "scope": "read"}).status_code == 400
    # A fresh form from the page creates the next key.
    fresh = browser.post("/staff/api-keys/", _key_form(browser, name="Desk", scope="write"))
    assert 'id="new-key"' in fresh.content.decode()
    with schema_context("alpha"):
        assert ApiKey.objects.count() == 2


def test_a_self_check_key_is_created_on_the_page(browser):
    """The patron scope, which a self-check machine needs, is on the page as in the command."""
    form = _key_form(browser, name="Self-check", scope="write", patrons="on")
    created = browser.post("/staff/api-keys/", form).content.decode()
    secret = re.search(r'<code id="new-key">([^<]+)</code>', created)[1]
    assert "Read and write, with patrons" in browser.get("/staff/api-keys/").content.decode()
    with schema_context("alpha"):
        assert ApiKey.objects.get().patrons is True
    patrons = Client(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}").get(
        "/api/v1/patrons/"
    )
    assert patrons.status_code == 200


def test_domains_and_settings_from_the_pages(
    browser, library, dns_records, django_capture_on_commit_callbacks
):
    domain_prove(dns_records, library, "books.alpha.example")
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/staff/domains/", {"domain": "books.alpha.example"}).status_code == 302
    domain = Domain.objects.get(domain="books.alpha.example")
    assert browser.post(f"/staff/domains/{domain.pk}/make-primary/").status_code == 302
    platform = Domain.objects.get(domain=LIBRARY_HOST)
    # The platform address cannot go: the page offers no button that could only be refused.
    page = browser.get("/staff/domains/").text
    assert f"/staff/domains/{platform.pk}/remove/" not in page
    assert f"/staff/domains/{domain.pk}/remove/" in page
    kept = browser.post(f"/staff/domains/{platform.pk}/remove/")
    assert kept.status_code == 409
    assert "stays" in kept.text

    form = browser.get("/staff/settings/").text
    assert 'name="version" value="1"' in form
    assert "Settings saved" not in form
    saved = browser.post(
        "/staff/settings/", {"name": "Alpha Town", "default_location_code": "", "version": 1}
    )
    assert saved.status_code == 302
    assert "Settings saved." in browser.get(saved["Location"]).text
    library.refresh_from_db()
    assert (library.name, library.public_catalog, library.settings_version) == (
        "Alpha Town", False, 2
    )  # fmt: skip
    # A second editor's page, opened before that save, cannot put the old name back.
    stale = browser.post(
        "/staff/settings/", {"name": "Alpha Library", "default_location_code": "", "version": 1}
    )
    assert stale.status_code == 400
    assert "Someone saved these settings after you opened them" in stale.text
    library.refresh_from_db()
    assert library.name == "Alpha Town"
    audit = browser.get("/staff/audit/").text
    for action, words in (
        ("domain.add", "Domain added"), ("domain.make_primary", "Domain made primary"),
        ("settings.update", "Settings changed"),
    ):  # fmt: skip
        assert f'data-action="{action}"' in audit
        assert re.search(f"<td[^>]*>{words}</td>", audit)


def test_pages_are_for_admins_of_this_library_only(library, other_library):
    with schema_context("alpha"):
        User.objects.create_user(email="lib@alpha.example", password=PASSWORD, role="librarian")
    librarian = signed_in(LIBRARY_HOST, "alpha", "lib@alpha.example", client_class=Client)
    beta_admin = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    stolen = Client(HTTP_HOST=LIBRARY_HOST)
    stolen.cookies["sessionid"] = beta_admin.cookies["sessionid"].value
    with schema_context("alpha"):
        before = AuditEvent.objects.count(), User.objects.count()
    for path in ("/staff/people/", "/staff/api-keys/", "/staff/domains/", "/staff/settings/",
                 "/staff/audit/"):  # fmt: skip
        refused = librarian.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 403, path
        assert "Only an administrator of this library may do this" in refused.text, path
        assert stolen.get(path).status_code == 302, path
        assert (
            stolen.post(
                path,
                {
                    "email": "x@alpha.example",
                    "role": "admin",
                    "name": "Hijacked",
                    "domain": "x.example",
                },
            ).status_code
            == 302
        )
    with schema_context("alpha"):
        assert (AuditEvent.objects.count(), User.objects.count()) == before
    assert Domain.objects.filter(domain="x.example").count() == 0


def test_the_workspace_links_are_on_every_staff_page(browser):
    """The desk and the other circulation pages keep the workspace's links beside their own."""
    workspace = ["/staff/add/", "/staff/records/", "/staff/imports/", "/staff/exports/",
                 "/staff/desk/", "/staff/people/", "/staff/settings/"]  # fmt: skip
    for path in ("/staff/", "/staff/desk/", "/staff/desk/overdue/", "/staff/patrons/",
                 "/staff/imports/", "/staff/people/"):  # fmt: skip
        page = browser.get(path)
        assert page.status_code == 200, path
        nav = re.search(r'<nav class="staff" aria-label="Staff workspace">(.*?)</nav>', page.text)
        assert nav, path
        links = re.findall(r'href="([^"]+)"', nav[1])
        assert all(link in links for link in workspace), (path, links)
    # The desk still has its own circulation links.
    assert 'aria-label="Circulation"' in browser.get("/staff/desk/").text


def test_an_invitation_names_the_library_not_its_host(
    browser, library, django_capture_on_commit_callbacks
):
    """The invitee reads which library asks them, by the name it gave itself, as the sender
    too; the host name is only in the link, and replies reach the library's contact address."""
    assert library.name == "Alpha Library"
    Library.objects.filter(pk=library.pk).update(contact_email="desk@alpha.example")
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/staff/people/", {"email": "new@alpha.example", "role": "librarian"})
    sent = mail.outbox[-1]
    assert parseaddr(sent.from_email) == ("Alpha Library", PLATFORM_ADDRESS)
    assert sent.reply_to == ["desk@alpha.example"]
    assert sent.subject == "Your staff account at Alpha Library"
    assert "invited to the staff of Alpha Library." in sent.body
    assert f"://{LIBRARY_HOST}/staff/invitations/" in sent.body


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ("Administrateur", "Bibliothécaire", "Observateur")),
        ("de", ("Administrator/in", "Bibliothekar/in", "Betrachter/in")),
        ("es", ("Administrador", "Bibliotecario", "Observador")),
    ],
)
def test_each_role_is_named_as_a_person_and_never_as_a_reader(browser, language, names):
    """A role names the person who holds it ("Administrator/in", not the body "Administration"),
    and the one that only consults is not "a reader": readers are the library's patrons."""
    page = browser.get("/staff/people/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    offered = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]*)</option>', page))
    assert [offered[role] for role in ("admin", "librarian", "viewer")] == list(names)


def test_an_invited_colleague_reads_that_their_password_is_saved(
    browser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/staff/people/", {"email": "new@alpha.example", "role": "librarian"})
    host, path = last_invitation_link()
    invited = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="fr")

    landed = invited.post(path, {"password": "a-long-new-password"}, follow=True)
    assert landed.redirect_chain == [("/staff/login/", 302)]
    assert (
        '<div role="status"><p class="success">Votre mot de passe est enregistré. Connectez-vous '
        "avec new@alpha.example et votre nouveau mot de passe.</p></div>"
    ) in landed.content.decode()
    # Said once: the next visit to the page says nothing of it.
    assert "enregistré" not in invited.get("/staff/login/").content.decode()
