"""Staff pages for patrons, patron files, lending rules and closed days: what each role may do,
bad input refused with nothing changed, and other libraries' staff and ids kept out."""

import copy
import json
from datetime import timedelta
from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import (
    CirculationSettings,
    ClosedDay,
    Hold,
    Loan,
    LoanRule,
    Patron,
    PatronImport,
)
from circulation.patron_imports import patron_import_run
from circulation.selectors import today
from circulation.services import (
    PatronData,
    hold_place,
    loan_checkin,
    loan_checkout,
    patron_authenticate,
    patron_create,
)
from tests.circulation.conftest import Desk
from tests.conftest import OTHER_LIBRARY_HOST


def patrons_of(schema: str) -> list[tuple[str, str, str]]:
    with schema_context(schema):
        return list(Patron.objects.order_by("id").values_list("barcode", "name", "email"))


def test_find_patrons_by_name_and_barcode(librarian: Client, desk: Desk) -> None:
    page = librarian.get("/staff/patrons/", {"q": "takver"}).text
    assert "Takver Anarres" in page
    assert "Shevek Anarres" not in page
    page = librarian.get("/staff/patrons/", {"q": desk.patron.barcode}).text
    assert "Shevek Anarres" in page
    assert "Takver Anarres" not in page
    assert "No patron matches." in librarian.get("/staff/patrons/", {"q": "nobody"}).text


def test_add_a_patron_and_a_taken_barcode_is_refused(librarian: Client, desk: Desk) -> None:
    form = {"name": "Odo", "barcode": "P-ODO", "email": "odo@a.example", "category": "adult"}
    response = librarian.post("/staff/patrons/new/", form)
    assert response.status_code == 302
    with schema_context(desk.schema):
        odo = Patron.objects.get(barcode="P-ODO")
    assert response["Location"] == f"/staff/patrons/{odo.pk}/"
    before = patrons_of(desk.schema)
    taken = librarian.post("/staff/patrons/new/", {**form, "name": "Other Odo"})
    assert taken.status_code == 400
    assert "already another patron" in taken.text
    bad_email = librarian.post(
        "/staff/patrons/new/", {**form, "barcode": "P-NEW", "email": "not-an-email"}
    )
    assert bad_email.status_code == 400
    assert "not an email address" in bad_email.text
    assert patrons_of(desk.schema) == before


def test_edit_a_patron_and_see_their_loans_and_holds(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.items[0].barcode, patron_barcode=desk.patron.barcode)
        hold_place(record_id=desk.other_record.pk, patron_barcode=desk.patron.barcode)
    url = f"/staff/patrons/{desk.patron.pk}/"
    page = librarian.get(url).text
    assert desk.items[0].barcode in page
    assert desk.record.title in page
    assert desk.other_record.title in page
    response = librarian.post(
        url,
        {"name": "Shevek of Anarres", "barcode": desk.patron.barcode, "email": "s@a.example",
         "category": "staff", "notes": "prefers email"},
    )  # fmt: skip
    assert response.status_code == 302
    with schema_context(desk.schema):
        shevek = Patron.objects.get(pk=desk.patron.pk)
    assert (shevek.name, shevek.category, shevek.notes) == (
        "Shevek of Anarres", "staff", "prefers email",
    )  # fmt: skip


def test_export_then_erase_on_request(librarian: Client, desk: Desk) -> None:
    with schema_context(desk.schema):
        loan_checkout(item_barcode=desk.items[0].barcode, patron_barcode=desk.patron.barcode)
    export = librarian.get(f"/staff/patrons/{desk.patron.pk}/export.json")
    assert export.status_code == 200
    assert "attachment" in export["Content-Disposition"]
    kept = json.loads(export.content)
    assert kept["patron"]["barcode"] == desk.patron.barcode
    assert [loan["item_barcode"] for loan in kept["loans"]] == [desk.items[0].barcode]
    erase = f"/staff/patrons/{desk.patron.pk}/erase/"
    before = patrons_of(desk.schema)
    wrong = librarian.post(erase, {"confirm": "not the barcode"})
    assert wrong.status_code == 409
    assert "type their barcode" in wrong.text
    on_loan = librarian.post(erase, {"confirm": desk.patron.barcode})
    assert on_loan.status_code == 409
    assert "still has items on loan" in on_loan.text
    assert patrons_of(desk.schema) == before
    with schema_context(desk.schema):
        loan_checkin(item_barcode=desk.items[0].barcode)
    erased = librarian.post(erase, {"confirm": desk.patron.barcode})
    assert erased.status_code == 302
    with schema_context(desk.schema):
        assert not Patron.objects.filter(pk=desk.patron.pk).exists()
        assert list(Loan.objects.values_list("patron_id", flat=True)) == [None]


def test_viewers_read_and_change_nothing(viewer: Client, desk: Desk) -> None:
    assert viewer.get("/staff/patrons/").status_code == 200
    page = viewer.get(f"/staff/patrons/{desk.patron.pk}/").text
    assert "Erase the patron" not in page
    before = patrons_of(desk.schema)
    form = {"name": "Odo", "barcode": "P-ODO", "category": "adult"}
    # The new patron form is refused before it is filled in, with what it needs in words.
    refused = viewer.get("/staff/patrons/new/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert "need a librarian&#x27;s or an administrator&#x27;s account" in refused.text
    assert 'name="barcode"' not in refused.text
    assert viewer.post("/staff/patrons/new/", form).status_code == 403
    assert viewer.post(f"/staff/patrons/{desk.patron.pk}/", form).status_code == 403
    erase = f"/staff/patrons/{desk.patron.pk}/erase/"
    assert viewer.post(erase, {"confirm": desk.patron.barcode}).status_code == 403
    assert viewer.get(f"/staff/patrons/{desk.patron.pk}/export.json").status_code == 403
    assert patrons_of(desk.schema) == before


def test_lending_rules_are_the_admins_to_change(
    admin: Client, librarian: Client, desk: Desk
) -> None:
    rule = {"patron_category": "child", "item_type": "dvd", "for_loan": "on", "loan_days": "7",
            "max_loans": "3", "renewals": "1", "max_holds": "2"}  # fmt: skip
    assert librarian.post("/staff/lending-rules/", rule).status_code == 403
    assert admin.post("/staff/lending-rules/", rule).status_code == 302
    again = admin.post("/staff/lending-rules/", rule)
    assert again.status_code == 400
    assert "already exists" in again.text
    with schema_context(desk.schema):
        made = LoanRule.objects.get()
    assert (made.patron_category, made.item_type, made.loan_days) == ("child", "dvd", 7)
    assert "child" in librarian.get("/staff/lending-rules/").text
    url = f"/staff/lending-rules/{made.pk}/"
    assert librarian.post(url, {**rule, "loan_days": "1"}).status_code == 403
    assert admin.post(url, {**rule, "loan_days": "14"}).status_code == 302
    with schema_context(desk.schema):
        assert LoanRule.objects.get().loan_days == 14
    bad = admin.post(url, {**rule, "loan_days": "-3"})
    assert bad.status_code == 400
    assert librarian.post(url, {"delete": "1"}).status_code == 403
    assert admin.post(url, {"delete": "1"}).status_code == 302
    with schema_context(desk.schema):
        assert not LoanRule.objects.exists()


def test_the_lending_settings_are_on_the_lending_rules_page(
    admin: Client, librarian: Client, desk: Desk
) -> None:
    """Days on the hold shelf, the due-soon notice and how long returned loans keep their
    patron: staff read them beside the rules, admins change them there."""
    page = librarian.get("/staff/lending-rules/").text
    assert 'id="lending-settings"' in page
    assert 'name="hold_shelf_days"' not in page  # librarians read, admins change
    page = admin.get("/staff/lending-rules/").text
    assert 'name="hold_shelf_days" value="7"' in page
    assert 'name="due_soon_days" value="2"' in page
    assert 'name="anonymize_after_days" value="30"' in page
    days = {"settings": "1", "hold_shelf_days": "10", "due_soon_days": "3",
            "anonymize_after_days": "0"}  # fmt: skip
    assert librarian.post("/staff/lending-rules/", days).status_code == 403
    saved = admin.post("/staff/lending-rules/", days)
    assert saved.status_code == 302
    with schema_context(desk.schema):
        kept = CirculationSettings.objects.get()
    assert (kept.hold_shelf_days, kept.due_soon_days, kept.anonymize_after_days) == (10, 3, 0)
    refused = admin.post("/staff/lending-rules/", {**days, "hold_shelf_days": "0"})
    assert refused.status_code == 400
    assert 'name="hold_shelf_days" value="0"' in refused.text  # what was typed, kept
    assert 'name="due_soon_days" value="3"' in refused.text
    with schema_context(desk.schema):
        assert CirculationSettings.objects.get().hold_shelf_days == 10
        assert not LoanRule.objects.exists()  # the rule form beside it is not sent


def test_closed_days_move_due_dates_and_only_admins_set_them(
    admin: Client, librarian: Client, desk: Desk
) -> None:
    due = today() + timedelta(days=21)
    assert librarian.post("/staff/closed-days/", {"date": due.isoformat()}).status_code == 403
    assert admin.post("/staff/closed-days/", {"date": "someday"}).status_code == 400
    response = admin.post("/staff/closed-days/", {"date": due.isoformat(), "reason": "Holiday"})
    assert response.status_code == 302
    assert "Holiday" in librarian.get("/staff/closed-days/").text
    with schema_context(desk.schema):
        loan = loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        day = ClosedDay.objects.get()
    assert loan.due_on == due + timedelta(days=1)
    assert librarian.post("/staff/closed-days/", {"delete": day.pk}).status_code == 403
    assert admin.post("/staff/closed-days/", {"delete": day.pk}).status_code == 302
    assert admin.post("/staff/closed-days/", {"delete": day.pk}).status_code == 404
    with schema_context(desk.schema):
        assert not ClosedDay.objects.exists()


def test_a_patron_file_through_the_pages(librarian: Client, desk: Desk) -> None:
    body = "name,barcode,email\nOdo,P-ODO,odo@a.example\nSabul,P-SABUL,nope\n"
    upload = SimpleUploadedFile("patrons.csv", body.encode(), content_type="text/csv")
    response = librarian.post("/staff/patrons/imports/", {"file": upload})
    assert response.status_code == 302
    with schema_context(desk.schema):
        job = PatronImport.objects.get()
    page = librarian.get(response["Location"]).text
    assert 'data-status="queued"' in page
    assert 'http-equiv="refresh"' in page  # it follows the worker by itself
    with schema_context(desk.schema):
        patron_import_run(job_id=job.pk)
    page = librarian.get(response["Location"]).text
    assert "not an email address" in page
    assert "Import these patrons" in page
    assert librarian.post(response["Location"], {"commit": "1"}).status_code == 302
    assert 'data-status="committing"' in librarian.get(response["Location"]).text
    french = librarian.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr").text
    assert "\xa0: 0 sur 1 ligne écrite</span>" in french
    assert "0 of 1 line written" in librarian.get(response["Location"]).text
    with schema_context(desk.schema):
        assert not Patron.objects.filter(barcode="P-ODO").exists()
        patron_import_run(job_id=job.pk)
        assert Patron.objects.filter(barcode="P-ODO").exists()
    page = librarian.get(response["Location"]).text
    assert 'data-status="committed"' in page
    assert "What the import did" in page
    refused = librarian.post(
        "/staff/patrons/imports/",
        {"file": SimpleUploadedFile("x.csv", b"who,what\n1,2\n", content_type="text/csv")},
    )
    assert refused.status_code == 400
    assert "name and barcode are needed" in refused.text
    with schema_context(desk.schema):
        assert PatronImport.objects.count() == 1


def test_a_patron_file_whose_every_line_is_rejected_offers_no_commit(
    librarian: Client, desk: Desk
) -> None:
    body = "name,barcode,email\nSabul,P-SABUL,nope\nRulag,,\n"
    upload = SimpleUploadedFile("patrons.csv", body.encode(), content_type="text/csv")
    response = librarian.post("/staff/patrons/imports/", {"file": upload})
    with schema_context(desk.schema):
        job = PatronImport.objects.get()
        patron_import_run(job_id=job.pk)
    nothing = "Nothing to import: every row was rejected"
    listed = librarian.get("/staff/patrons/imports/", HTTP_ACCEPT_LANGUAGE="en").text
    assert f">{nothing}</td>" in listed
    page = librarian.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").text
    assert f'aria-live="polite">{nothing}</span>' in page
    assert "There is nothing to commit: each row's reason, below, says why" in page
    assert "Import these patrons" not in page
    assert 'name="cancel"' in page  # it can still be cleared away
    assert page.count("not an email address") == 1
    # A commit sent anyway is refused, saying why, and the job waits as it was.
    refused = librarian.post(response["Location"], {"commit": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409
    assert "there is nothing to commit" in refused.text
    with schema_context(desk.schema):
        job.refresh_from_db()
        assert (job.status, job.rejected, job.rows.count()) == ("staged", 2, 2)
        assert not Patron.objects.filter(barcode="P-SABUL").exists()


def test_other_libraries_staff_and_ids(librarian: Client, desk: Desk, other_desk: Desk) -> None:
    with schema_context(other_desk.schema):
        only_b = patron_create(data=PatronData(name="Only in B", barcode="B-ONLY"))
        for n in range(3):  # ids past any of A's
            patron_create(data=PatronData(name=f"B {n}", barcode=f"B-{n}"))
        rule = LoanRule.objects.create(patron_category="b-only")
    before_a, before_b = patrons_of(desk.schema), patrons_of(other_desk.schema)
    # A's session means nothing on B's host.
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(librarian.cookies)
    for path in ("/staff/patrons/", f"/staff/patrons/{only_b.pk}/", "/staff/lending-rules/",
                 "/staff/closed-days/", "/staff/patrons/imports/"):  # fmt: skip
        response = visitor.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    erase = visitor.post(f"/staff/patrons/{only_b.pk}/erase/", {"confirm": "B-ONLY"})
    assert erase.status_code == 302
    # B's ids on A's host are not found there.
    assert librarian.get(f"/staff/patrons/{only_b.pk + 3}/").status_code == 404
    gone = librarian.post(f"/staff/patrons/{only_b.pk + 3}/erase/", {"confirm": "B-ONLY"})
    assert gone.status_code == 404
    assert librarian.get(f"/staff/patrons/{only_b.pk + 3}/export.json").status_code == 404
    assert librarian.get(f"/staff/lending-rules/{rule.pk}/").status_code == 404
    assert "Only in B" not in librarian.get("/staff/patrons/", {"q": "Only"}).text
    assert patrons_of(desk.schema) == before_a
    assert patrons_of(other_desk.schema) == before_b
    with schema_context(other_desk.schema):
        assert LoanRule.objects.filter(pk=rule.pk).exists()
        assert not Hold.objects.exists()


class _FormReader(HTMLParser):
    """The values a browser would send back from a page's forms (inputs, text areas and the
    chosen option of a list)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name") not in (None, "csrfmiddlewaretoken", "confirm"):
            self.values[str(named["name"])] = named.get("value") or ""
        elif tag == "textarea":
            self._textarea = named.get("name")
            self.values[str(self._textarea)] = ""
        elif tag == "select":
            self._select = named.get("name")
        elif tag == "option" and self._select is not None and "selected" in named:
            self.values[self._select] = named.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea] += data.lstrip("\n")


def form_as_read(client: Client, url: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(client.get(url).text)
    return reader.values


def test_a_save_from_a_stale_tab_is_refused_and_loses_nothing(
    librarian: Client, desk: Desk
) -> None:
    url = f"/staff/patrons/{desk.patron.pk}/"
    tab_a, tab_b = form_as_read(librarian, url), form_as_read(librarian, url)
    saved = librarian.post(url, {**tab_a, "email": "new@a.example"}, follow=True)
    assert saved.status_code == 200
    assert "Saved." in saved.text
    stale = librarian.post(url, {**tab_b, "notes": "prefers email"})
    assert stale.status_code == 412
    assert "Someone saved this patron after you opened the page" in stale.text
    # The refused page still holds B's edit, and saving it again is still refused.
    assert "prefers email" in stale.text
    again = form_as_read(librarian, url)  # what a reload shows
    assert (again["email"], again["notes"]) == ("new@a.example", "")
    assert librarian.post(url, {**tab_b, "notes": "prefers email"}).status_code == 412
    with schema_context(desk.schema):
        shevek = Patron.objects.get(pk=desk.patron.pk)
    assert (shevek.email, shevek.notes) == ("new@a.example", "")
    # From the reloaded page the change goes through.
    assert librarian.post(url, {**again, "notes": "prefers email"}).status_code == 302
    with schema_context(desk.schema):
        shevek = Patron.objects.get(pk=desk.patron.pk)
    assert (shevek.email, shevek.notes) == ("new@a.example", "prefers email")


# What a date field's hint says in each language, and a date typed in each form it names: those
# of the language, and day.month.year with dots, as patron files are read in any language.
DATE_HINTS = {
    "en": ("Write it as YYYY-MM-DD, MM/DD/YYYY, MM/DD/YY, DD.MM.YYYY or the month in words, as "
           "in Jun 30 2027.",
           ["2027-06-30", "06/30/2027", "06/30/27", "30.06.2027", "Jun 30 2027"]),
    "fr": ("Sous la forme AAAA-MM-JJ, JJ/MM/AAAA, JJ/MM/AA ou JJ.MM.AAAA.",
           ["2027-06-30", "30/06/2027", "30/06/27", "30.06.2027"]),
    "de": ("Im Format JJJJ-MM-TT, TT.MM.JJJJ oder TT.MM.JJ.",
           ["2027-06-30", "30.06.2027", "30.06.27"]),
    "es": ("Con el formato AAAA-MM-DD, DD/MM/AAAA, DD/MM/AA o DD.MM.AAAA.",
           ["2027-06-30", "30/06/2027", "30/06/27", "30.06.2027"]),
}  # fmt: skip


def test_a_card_s_date_field_names_every_form_it_takes_in_the_page_s_language(
    librarian: Client, desk: Desk
) -> None:
    """The hint under the field names the forms the page's language types dates in beside the
    one it shows (2027-03-31), and each form it names is taken; one it does not name is not."""
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(expires_on="2027-03-31")
    url = f"/staff/patrons/{desk.patron.pk}/"
    for language, (hint, typed) in DATE_HINTS.items():
        page = librarian.get(url, HTTP_ACCEPT_LANGUAGE=language).text
        assert f'<small id="id_expires_on_helptext">{hint}</small>' in page, language
        assert "YYYY-MM-DD)" not in page, language
        for date in typed:
            with schema_context(desk.schema):
                patron = Patron.objects.get(pk=desk.patron.pk)
            form = {"name": patron.name, "barcode": patron.barcode, "category": "adult",
                    "expires_on": date, "version": patron.version}  # fmt: skip
            saved = librarian.post(url, form, HTTP_ACCEPT_LANGUAGE=language)
            assert saved.status_code == 302, (language, date)
            with schema_context(desk.schema):
                assert str(Patron.objects.get(pk=desk.patron.pk).expires_on) == "2027-06-30"
                Patron.objects.filter(pk=desk.patron.pk).update(expires_on="2027-03-31")
        page = librarian.get(url, HTTP_ACCEPT_LANGUAGE=language).text
        assert 'name="expires_on" value="2027-03-31"' in page, language
    unnamed = {"name": "Shevek", "barcode": desk.patron.barcode, "expires_on": "30-06-2027"}
    refused = librarian.post(url, {**unnamed, "category": "adult", "version": patron.version},
                             HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip
    assert refused.status_code == 400
    with schema_context(desk.schema):
        assert str(Patron.objects.get(pk=desk.patron.pk).expires_on) == "2027-03-31"


def test_the_closed_days_and_labels_date_fields_say_the_same(admin: Client) -> None:
    hint = DATE_HINTS["fr"][0]
    for path, field in (("/staff/closed-days/", "date"), ("/staff/labels/", "created_from")):
        page = admin.get(path, HTTP_ACCEPT_LANGUAGE="fr").text
        assert f'<small id="id_{field}_helptext">{hint}</small>' in page, path


def _patron(schema: str, barcode: str) -> Patron:
    with schema_context(schema):
        return Patron.objects.get(barcode=barcode)


def _signs_in(schema: str, barcode: str, pin: str) -> bool:
    with schema_context(schema):
        return patron_authenticate(barcode=barcode, pin=pin) is not None


def test_staff_set_a_patron_s_pin_on_the_form_with_the_api_s_rules(
    librarian: Client, desk: Desk
) -> None:
    """The desk gives a reader a PIN when adding them or later; it is never shown back, an empty
    field keeps it, and a PIN the API would refuse is refused with nothing saved."""
    form = {"name": "Odo", "barcode": "P-ODO", "email": "", "category": "adult", "pin": "4821"}
    assert librarian.post("/staff/patrons/new/", form).status_code == 302
    assert _signs_in(desk.schema, "P-ODO", "4821")
    odo = _patron(desk.schema, "P-ODO")
    url = f"/staff/patrons/{odo.pk}/"
    page = librarian.get(url).text
    assert 'type="password" name="pin"' in page
    assert "4821" not in page
    assert "This patron has a PIN" in page

    kept = {**form, "name": "Odo Ren", "pin": "", "version": odo.version}
    assert librarian.post(url, kept).status_code == 302
    assert _signs_in(desk.schema, "P-ODO", "4821")

    odo = _patron(desk.schema, "P-ODO")
    kept["version"] = odo.version
    before = (patrons_of(desk.schema), odo.pin_hash)
    for bad in ("12", "12a4", "1234567890123", "\u0661\u0662\u0663\u0664"):
        refused = librarian.post(url, {**kept, "name": "Changed", "pin": bad})
        assert refused.status_code == 400, bad
        assert "A PIN is 4 to 12 digits." in refused.text
    new = librarian.post("/staff/patrons/new/", {**form, "barcode": "P-2", "pin": "1"})
    assert new.status_code == 400
    assert (patrons_of(desk.schema), _patron(desk.schema, "P-ODO").pin_hash) == before

    assert librarian.post(url, {**kept, "pin": "000111"}).status_code == 302
    assert _signs_in(desk.schema, "P-ODO", "000111")
    # The page says the PIN was set, since the field never shows it back.
    said = "Saved, with the new PIN: the patron signs in with it from now on."
    assert said in librarian.get(url).text
    added = librarian.post("/staff/patrons/new/", {**form, "barcode": "P-3"}, follow=True)
    assert "Patron added, with their PIN: they sign in with it from now on." in added.text
    assert not _signs_in(desk.schema, "P-ODO", "4821")


def test_a_pin_cannot_be_set_across_libraries(
    librarian: Client, desk: Desk, other_desk: Desk
) -> None:
    with schema_context(other_desk.schema):
        only_b = patron_create(data=PatronData(name="Only in B", barcode="B-PIN"))
        for n in range(3):  # ids past any of A's
            patron_create(data=PatronData(name=f"B {n}", barcode=f"B-{n}"))
    body = {"name": "X", "barcode": "B-PIN", "category": "adult", "pin": "9999"}
    # B's id on A's host is not found there; A's session means nothing on B's host.
    assert librarian.post(f"/staff/patrons/{only_b.pk + 3}/", body).status_code == 404
    visitor = Client(HTTP_HOST=OTHER_LIBRARY_HOST)
    visitor.cookies = copy.deepcopy(librarian.cookies)
    response = visitor.post(f"/staff/patrons/{only_b.pk}/", body)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert _patron(other_desk.schema, "B-PIN").pin_hash == ""
    assert not _signs_in(other_desk.schema, "B-PIN", "9999")


def test_only_the_edit_form_speaks_of_keeping_the_current_pin(
    librarian: Client, desk: Desk
) -> None:
    keep = "Leave empty to keep the current PIN."
    new = librarian.get("/staff/patrons/new/", HTTP_ACCEPT_LANGUAGE="en").text
    assert keep not in new
    assert "Leave empty to give none: the patron cannot sign in until a PIN is set." in new
    assert desk.patron is not None
    edit = librarian.get(f"/staff/patrons/{desk.patron.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert keep in edit
