"""/staff/add/: scan or type an ISBN, check the prefilled form, save record and copy at once."""

import copy
import html
import re

from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Change, Item, Record
from catalog.services import ItemData, RecordData, item_create, record_create
from staff.services import user_create
from tenants.administration import library_settings_update
from tenants.pool import pool_sync
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, free_port
from tests.tenants.admin_helpers import signed_in

LEFT_HAND = "9780441478125"


def _fields(page: str, form_id: str = "record-form") -> dict[str, str]:
    """The values a browser would post from the form `form_id` (inputs, selects, textareas)."""
    form = page[page.index(f'id="{form_id}"') :]
    values = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        values[name] = html.unescape(value)
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = chosen[1] if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = html.unescape(body.strip())
    values.pop("csrfmiddlewaretoken", None)
    return values


def test_the_scan_field_has_focus_and_a_label(librarian):
    page = librarian.get("/staff/add/").content.decode()
    assert re.search(r'<label for="id_isbn_scan">ISBN: scan the barcode', page)
    assert re.search(r'<input[^>]*id="id_isbn_scan"[^>]*autofocus', page)
    found_nowhere = librarian.get("/staff/add/", {"isbn": "9780141439518"}).content.decode()
    # Found nowhere: the next scan is the next book, so the scan field keeps the focus.
    assert re.search(r"<input[^>]*id=\"id_isbn_scan\"[^>]*autofocus", found_nowhere)
    assert not re.search(r"<input[^>]*name=\"title\"[^>]*autofocus", found_nowhere)
    assert '<a href="/staff/add/">Add a book</a>' in page


def test_a_pool_record_is_copied_with_its_copy_in_one_step(library, other_library, librarian):
    with schema_context("beta"):
        record_create(
            data=RecordData(
                title="The Left Hand of Darkness",
                publication_year=1969,
                language="eng",
                contributors=[("Le Guin, Ursula K.", "author")],
                identifiers=[("isbn", LEFT_HAND)],
            )
        )
    library_settings_update(library=other_library, actor="test", share_records=True)
    pool_sync(library_id=other_library.pk)
    page = librarian.get("/staff/add/", {"isbn": "0-441-47812-3"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Copy the record shared by Beta Library" in html
    values = _fields(html)
    assert values["title"] == "The Left Hand of Darkness"
    assert values["contributor_1"] == "Le Guin, Ursula K."
    assert values["isbn"] == LEFT_HAND
    assert values["language"] == "eng"
    values["barcode"] = "A-0001"
    with schema_context("alpha"):
        feed_before = Change.objects.count()
    saved = librarian.post("/staff/add/", values)
    assert saved.status_code == 302, saved.content.decode()
    with schema_context("alpha"):
        record = Record.objects.get(identifiers__value=LEFT_HAND)
        assert record.publication_year == 1969
        assert list(record.items.values_list("barcode", flat=True)) == ["A-0001"]
        assert Change.objects.count() == feed_before + 2  # the record and its copy
    search = Client(HTTP_HOST=LIBRARY_HOST).get("/search/", {"q": "left hand darkness"})
    assert f"/records/{record.pk}/" in search.content.decode()


def test_a_record_the_library_has_gets_another_copy(library, librarian):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Held", identifiers=[("isbn", LEFT_HAND)]))
        item_create(record_id=record.pk, data=ItemData(barcode="31000000000009"))
    page = librarian.get("/staff/add/", {"isbn": LEFT_HAND}).content.decode()
    assert "Already in the catalog" in page
    assert 'value="31000000000010"' in page  # the next barcode
    copy_form = {"barcode": "31000000000010", "status": "available"}
    added = librarian.post(f"/staff/add/records/{record.pk}/copy/", copy_form)
    assert added.status_code == 302
    taken = librarian.post(f"/staff/add/records/{record.pk}/copy/", copy_form)
    assert taken.status_code == 400
    assert taken.content.decode().count("already used") == 1  # said once, not twice
    with schema_context("alpha"):
        assert Item.objects.filter(record=record).count() == 2


def test_a_refused_copy_saves_no_record_either(library, librarian):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Other"))
        item_create(record_id=record.pk, data=ItemData(barcode="TAKEN"))
        records = Record.objects.count()
    refused = librarian.post(
        "/staff/add/", {"title": "New book", "barcode": "TAKEN", "status": "available",
                        **{f"role_{i}": "author" for i in range(1, 5)}},
    )  # fmt: skip
    assert refused.status_code == 400
    assert refused.content.decode().count("already used") == 1
    with schema_context("alpha"):
        assert Record.objects.count() == records


def test_a_source_that_is_down_leaves_the_form_working(library, librarian, settings, caplog):
    settings.STACKS_LOOKUP_SOURCES = [
        {"name": "national", "kind": "sru", "url": f"http://127.0.0.1:{free_port()}/sru"}
    ]
    page = librarian.get("/staff/add/", {"isbn": "978-0-14-143951-8"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "national could not be reached just now, so the details were not filled in" in html
    # Why is for the operator's log, not the librarian's page.
    assert "Connection refused" not in html
    assert "Errno" not in html
    assert "source national failed: [Errno 111] Connection refused" in caplog.text
    assert "was found nowhere" in html
    assert _fields(html)["isbn"] == "9780141439518"


def test_a_bad_isbn_is_explained(librarian):
    page = librarian.get("/staff/add/", {"isbn": "12345"})
    assert page.status_code == 400
    assert "not an ISBN" in page.content.decode()


def test_viewers_are_refused_the_add_page_before_any_form(library):
    with schema_context("alpha"):
        user_create(email="viewer@alpha.example", role="viewer")
        records = Record.objects.count()
    viewer = signed_in(LIBRARY_HOST, "alpha", "viewer@alpha.example", client_class=Client)
    # Nothing to scan or fill in: the page says at once what role adding books needs.
    for query in ({}, {"manual": "1"}, {"isbn": "9780141439518"}):
        page = viewer.get("/staff/add/", query, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 403
        assert "needs a librarian&#x27;s or an administrator&#x27;s account" in page.text
        assert 'id="scan-form"' not in page.text
        assert 'name="title"' not in page.text
    # Nor do the menu and the record list offer it.
    records_page = viewer.get("/staff/records/", {"q": "nothing like it"}).text
    assert 'href="/staff/add/"' not in records_page
    assert 'href="/staff/records/"' in records_page
    post = {"title": "Nope", "barcode": "V1", "status": "available"}
    assert viewer.post("/staff/add/", post).status_code == 403
    with schema_context("alpha"):
        assert Record.objects.count() == records


def test_other_libraries_staff_and_readers_cannot_add(library, other_library):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Alpha's"))
        items = Item.objects.count()
    beta_admin = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)
    beta_on_alpha = Client(HTTP_HOST=LIBRARY_HOST)
    # A session of beta means nothing on alpha (a copy: alpha's answer deletes the cookie).
    beta_on_alpha.cookies = copy.deepcopy(beta_admin.cookies)
    for client in (beta_on_alpha, Client(HTTP_HOST=LIBRARY_HOST)):
        answer = client.post(f"/staff/add/records/{record.pk}/copy/", {"barcode": "X"})
        assert answer.status_code == 302
        assert "/staff/login/" in answer["Location"]
    # On its own host, beta's admin does not reach alpha's record.
    copy_form = {"barcode": "X", "status": "available"}
    missing = beta_admin.post(f"/staff/add/records/{record.pk}/copy/", copy_form)
    assert missing.status_code == 404
    with schema_context("alpha"):
        assert Item.objects.count() == items


def test_the_contributor_labels_are_in_the_librarians_language(library):
    french = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = french.get("/staff/add/", {"manual": "1"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in page
    assert "Auteur ou contributeur 1" in page
    assert "Rôle du contributeur 1" in page
    assert "Author or contributor" not in page
    assert 'data-camera-button="Scanner avec la caméra"' in page
    assert "Scan with the camera" not in page
    # A location (la localisation) that is none is "Aucune".
    assert '<option value="" selected>Aucune</option>' in page


def test_an_isbn_typed_into_the_title_is_refused_with_nothing_lost(librarian):
    with schema_context("alpha"):
        records, items = Record.objects.count(), Item.objects.count()
    # What a scanner leaves when the next book is scanned into the title of one found nowhere.
    form = _fields(librarian.get("/staff/add/", {"isbn": "9780140449136"}).content.decode())
    assert form["isbn"] == "9780140449136"
    form.update(title="9780143039433", barcode="B-0001")
    refused = librarian.post("/staff/add/", form)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "This is an ISBN, not a title" in page
    assert _fields(page)["isbn"] == "9780140449136"
    assert _fields(page)["barcode"] == "B-0001"
    with schema_context("alpha"):
        assert (Record.objects.count(), Item.objects.count()) == (records, items)
    # A title made of a number that is no ISBN is a title.
    form.update(title="1984")
    assert librarian.post("/staff/add/", form).status_code == 302


def test_a_pool_record_shows_the_isbn_scanned(library, other_library, librarian):
    paperback, hardback = "9780143039433", "9780670038978"
    with schema_context("beta"):
        record_create(
            data=RecordData(
                title="The Grapes of Wrath",
                identifiers=[("isbn", hardback), ("isbn", paperback)],
            )
        )
    library_settings_update(library=other_library, actor="test", share_records=True)
    pool_sync(library_id=other_library.pk)
    for scanned in (paperback, hardback):
        page = librarian.get("/staff/add/", {"isbn": scanned}).content.decode()
        assert "Copy the record shared by Beta Library" in page
        assert _fields(page)["isbn"] == scanned
    values = _fields(page)
    values["barcode"] = "G-0001"
    assert librarian.post("/staff/add/", values).status_code == 302
    with schema_context("alpha"):
        record = Record.objects.get(title="The Grapes of Wrath")
        assert set(record.identifiers.values_list("value", flat=True)) == {paperback, hardback}


def test_a_new_record_is_in_the_library_s_language_unless_told_otherwise(
    library, django_capture_on_commit_callbacks
):
    """A French library's book typed in is in French; the reader's browser does not decide."""
    library_settings_update(library=library, actor="test", language="fr")
    staff = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = staff.get("/staff/add/", {"manual": "1"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _fields(page)["language"] == "fre"
    # Saved back to English (committed, so every process forgets the library it held).
    with django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", language="en")
    page = staff.get("/staff/add/", {"manual": "1"}).content.decode()
    assert _fields(page)["language"] == "eng"


def _autofocused(page: str) -> list[str]:
    """The ids of the fields the page gives the focus to."""
    return re.findall(r'<input[^>]*id="([^"]+)"[^>]*autofocus', page) + re.findall(
        r'<input[^>]*autofocus[^>]*id="([^"]+)"', page
    )


def test_a_refused_copy_barcode_keeps_the_focus_for_the_next_scan(library, librarian):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Held", identifiers=[("isbn", LEFT_HAND)]))
        item_create(record_id=record.pk, data=ItemData(barcode="31000000000009"))
    copy_form = {"barcode": "31000000000009", "status": "available"}
    taken = librarian.post(f"/staff/add/records/{record.pk}/copy/", copy_form)
    assert taken.status_code == 400
    assert _autofocused(taken.content.decode()) == ["id_barcode"]
    # A new book's copy refused alike: the barcode field, not the ISBN field, has the focus.
    refused = librarian.post(
        "/staff/add/", {"title": "New book", "barcode": "31000000000009", "status": "available",
                        **{f"role_{i}": "author" for i in range(1, 5)}},
    )  # fmt: skip
    assert refused.status_code == 400
    assert _autofocused(refused.content.decode()) == ["id_barcode"]


def test_a_saved_copy_leads_to_an_address_that_looks_nothing_up(library, librarian):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Held", identifiers=[("isbn", LEFT_HAND)]))
    librarian.get("/staff/add/", {"isbn": LEFT_HAND})
    copy_form = {"barcode": "31000000000077", "status": "available"}
    saved = librarian.post(f"/staff/add/records/{record.pk}/copy/", copy_form)
    assert saved.status_code == 302
    assert saved["Location"] == f"/staff/add/?saved={record.pk}"
    again = librarian.get(saved["Location"]).content.decode()
    assert "Already in the catalog" not in again  # a reload looks nothing up
    assert _autofocused(again) == ["id_isbn_scan"]
