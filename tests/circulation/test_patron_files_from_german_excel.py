"""A town library's reader list as German Excel saves it: ";" between columns, Windows-1252,
German dates and the German names of the patron categories, read as the staff pages read them;
card numbers repeated in the file flagged on every line; and a preview of what will be written."""

import re
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from circulation.models import Patron, PatronImport
from circulation.patron_imports import patron_import_run
from tenants.administration import library_settings_update
from tests.circulation.conftest import Desk
from tests.circulation.test_patron_categories import _options
from tests.circulation.test_patron_imports import desk_client

HEADER = "name;barcode;email;category;expires_on;notes\r\n"


def _german(library) -> None:
    library_settings_update(library=library, actor="test", language="de")


def _page_upload(librarian: Client, content: bytes) -> str:
    upload = SimpleUploadedFile("leser.csv", content, content_type="text/csv")
    response = librarian.post("/staff/patrons/imports/", {"file": upload})
    assert response.status_code == 302, response.content
    return response["Location"]


def _staged(librarian: Client, library, content: bytes) -> tuple[str, str, list[dict]]:
    """The file sent through the staff page and read by the worker: its page, its id, and its
    rows as the API lists them."""
    where = _page_upload(librarian, content)
    _worker_runs(library)
    job_id = where.rstrip("/").rsplit("/", 1)[-1]
    rows = desk_client(library).get(f"/api/v1/patron-imports/{job_id}/rows/").json()["results"]
    return where, job_id, rows


def _api_upload(client, content: bytes):
    return client.post(
        "/api/v1/patron-imports/",
        {"file": SimpleUploadedFile("leser.csv", content, content_type="text/csv")},
        format="multipart",
    )


def _worker_runs(library) -> None:
    """What the worker does with the library's waiting patron files, as it runs: in the library."""
    with tenant_context(library):
        for job_id in PatronImport.objects.values_list("pk", flat=True):
            patron_import_run(job_id=job_id)


def test_a_file_saved_by_german_excel_is_read_and_said_to_be_windows_1252(
    library, librarian: Client, desk: Desk
) -> None:
    _german(library)
    content = (HEADER + "Jürgen Müßig;L0001;;adult;31.12.2027;Straße 5\r\n").encode("cp1252")

    where = _page_upload(librarian, content)
    _worker_runs(library)
    page = librarian.get(where, HTTP_ACCEPT_LANGUAGE="en").text

    assert "Read as Windows-1252 (Excel)" in page
    assert 'id="patron-import-warnings"' in page
    assert librarian.post(where, {"commit": "1"}).status_code == 302
    _worker_runs(library)
    with schema_context(desk.schema):
        patron = Patron.objects.get(barcode="L0001")
    assert (patron.name, patron.notes, patron.expires_on) == (
        "Jürgen Müßig", "Straße 5", date(2027, 12, 31)
    )  # fmt: skip


def test_the_api_warns_of_windows_1252_and_reads_dates_as_the_patron_page_does(
    library, desk: Desk
) -> None:
    _german(library)
    client = desk_client(library)
    text = (
        HEADER + "Ödön;L0001;;adult;31.12.27;\r\n"
        "Eva;L0002;;adult;2027-06-30;\r\n"
        "Uli;L0003;;adult;31.13.2027;\r\n"
    )
    queued = _api_upload(client, text.encode("cp1252")).json()
    _worker_runs(library)

    job = client.get(f"/api/v1/patron-imports/{queued['id']}/", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = client.get(f"/api/v1/patron-imports/{queued['id']}/rows/").json()["results"]

    assert job["encoding"] == "cp1252"
    assert job["warnings"][0].startswith("Read as Windows-1252 (Excel)")
    assert [(row["action"], row["data"].get("expires_on")) for row in rows] == [
        ("create", "2027-12-31"), ("create", "2027-06-30"), ("reject", None)
    ]  # fmt: skip
    assert rows[0]["data"]["name"] == "Ödön"
    # Refused in the library's language, with the forms the patron's page takes.
    assert rows[2]["reason"] == (
        "expires_on: \u201e31.13.2027\u201c ist kein Datum. "
        "Im Format JJJJ-MM-TT, TT.MM.JJJJ oder TT.MM.JJ."
    )


def test_a_utf8_file_reads_no_warning(library, desk: Desk) -> None:
    client = desk_client(library)
    queued = _api_upload(client, "name,barcode\nÖdön,L0001\n".encode()).json()
    _worker_runs(library)

    job = client.get(f"/api/v1/patron-imports/{queued['id']}/").json()

    assert (job["encoding"], job["warnings"], job["created"]) == ("utf-8", [], 1)


def test_bytes_neither_encoding_reads_fail_the_file_naming_the_line(library, desk: Desk) -> None:
    client = desk_client(library)
    queued = _api_upload(client, b"name;barcode\r\nAda;L0001\r\nBea\x81;L0002\r\n").json()
    _worker_runs(library)

    job = client.get(f"/api/v1/patron-imports/{queued['id']}/").json()

    assert (job["status"], job["error_code"]) == ("failed", "invalid_file")
    assert job["error"] == (
        "The CSV file is neither UTF-8 nor Windows-1252 (as Excel saves it) at line 3: save it "
        "as CSV UTF-8."
    )
    with schema_context(desk.schema):
        assert not Patron.objects.filter(barcode="L0001").exists()


def test_a_card_number_on_two_lines_refuses_both_naming_each_other(
    library, librarian: Client, desk: Desk
) -> None:
    # Line 2 is refused for its date; line 6 gives its card number in lower case.
    text = (
        "name,barcode,expires_on\n"
        "Anna Adler,L0001,someday\n"
        "Bert Bauer,L0002,\n"
        "Carl Christ,L0003,\n"
        "Dora Dorn,L0003,\n"
        "Emil Ernst,l0001,\n"
    )
    where, _job_id, rows = _staged(librarian, library, text.encode())
    page = librarian.get(where, HTTP_ACCEPT_LANGUAGE="en").text

    assert [(row["position"], row["action"]) for row in rows] == [
        (2, "reject"), (3, "create"), (4, "reject"), (5, "reject"), (6, "reject")
    ]  # fmt: skip
    reasons = {row["position"]: row["reason"] for row in rows}
    assert (
        "Barcode \u201cL0001\u201d is on line 6 of this file too, as \u201cl0001\u201d"
        in (reasons[2])
    )
    assert "not a date" in reasons[2]
    assert reasons[6] == (
        "Barcode \u201cl0001\u201d is on line 2 of this file too, as \u201cL0001\u201d (the desk "
        "does not tell upper and lower case apart)."
    )
    assert reasons[4] == "Barcode \u201cL0003\u201d is on line 5 of this file too."
    assert reasons[5] == "Barcode \u201cL0003\u201d is on line 4 of this file too."
    assert "is on line 2 of this file too" in page
    assert librarian.post(where, {"commit": "1"}).status_code == 302
    _worker_runs(library)
    with schema_context(desk.schema):
        assert list(Patron.objects.filter(barcode__istartswith="L000").values_list("name")) == [
            ("Bert Bauer",)
        ]


def test_categories_named_in_any_language_are_the_library_s_and_new_ones_are_announced(
    library, librarian: Client, admin: Client, desk: Desk
) -> None:
    _german(library)
    text = (
        HEADER + "Anna;L0001;;Erwachsene;;\r\n"
        "Bert;L0002;;Kinder;;\r\n"
        "Carl;L0003;;  erwachsene ;;\r\n"
        "Dora;L0004;;Adulte;;\r\n"
        "Emil;L0005;;CHILD;;\r\n"
        "Fritz;L0006;;Bücherbus;;\r\n"
        "Gerd;L0007;;bucherbus;;\r\n"
        "Hans;L0008;;Kind;;\r\n"
        "Ida;L0009;;Fernleihe;;\r\n"
    )
    where, job_id, rows = _staged(librarian, library, text.encode())
    client = desk_client(library)

    job = client.get(f"/api/v1/patron-imports/{job_id}/").json()
    page = librarian.get(where).text

    assert [(row["data"]["name"], row["action"], row["data"]["category"]) for row in rows] == [
        ("Anna", "create", "adult"), ("Bert", "create", "child"), ("Carl", "create", "adult"),
        ("Dora", "create", "adult"), ("Emil", "create", "child"),
        ("Fritz", "create", "Bücherbus"), ("Gerd", "create", "Bücherbus"),
        ("Hans", "reject", "Kind"), ("Ida", "create", "Fernleihe"),
    ]  # fmt: skip
    assert rows[7]["reason"] == (
        "Die Kategorie \u201eKind\u201c hat die Bibliothek nicht, sie sieht aber aus wie "
        "\u201eKinder\u201c: schreiben Sie \u201eKinder\u201c für diese Kategorie oder einen "
        "deutlich anderen Namen für eine neue."
    )
    assert job["new_categories"] == ["Bücherbus", "Fernleihe"]
    assert (
        "2 neue Leserkategorien werden angelegt: \u201eBücherbus\u201c, \u201eFernleihe\u201c."
        in page
    )

    assert librarian.post(where, {"commit": "1"}).status_code == 302
    _worker_runs(library)
    with schema_context(desk.schema):
        made = dict(Patron.objects.filter(barcode__startswith="L").values_list("name", "category"))
    assert made == {
        "Anna": "adult", "Bert": "child", "Carl": "adult", "Dora": "adult", "Emil": "child",
        "Fritz": "Bücherbus", "Gerd": "Bücherbus", "Ida": "Fernleihe",
    }  # fmt: skip
    offered = _options(admin.get("/staff/lending-rules/").text, "patron_category")
    labels = [label for _code, _chosen, label in offered]
    assert len(labels) == len(set(labels)), labels
    assert {"Erwachsene", "Kinder", "Bücherbus", "Fernleihe"} <= set(labels)
    assert client.get(f"/api/v1/patron-imports/{job_id}/").json()["new_categories"] == []


def test_a_category_typed_in_before_never_shares_a_name_in_the_list(
    library, librarian: Client, admin: Client, desk: Desk
) -> None:
    _german(library)
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.other_patron.pk).update(category="Erwachsene")

    rules = _options(admin.get("/staff/lending-rules/").text, "patron_category")
    patron = _options(librarian.get(f"/staff/patrons/{desk.patron.pk}/").text, "category")

    for offered in (rules, patron):
        labels = [label for _code, _chosen, label in offered]
        assert len(labels) == len(set(labels)), labels
        named = {(code, label) for code, _chosen, label in offered}
        assert {("adult", "Erwachsene (adult)"), ("Erwachsene", "Erwachsene")} <= named


def test_the_preview_says_what_will_be_written_and_shows_the_first_new_patrons(
    library, librarian: Client, desk: Desk
) -> None:
    lines = [f"Reader {n:02},R{n:03},child,2027-12-31" for n in range(1, 23)]
    text = "name,barcode,category,expires_on\n" + "\n".join(lines) + "\n"
    text += "Takver A.,alpha-P002,adult,\nNobody,R001,adult,\n"
    where = _page_upload(librarian, text.encode())
    library_settings_update(library=library, actor="test", language="en")
    _worker_runs(library)

    page = librarian.get(where).text

    assert "20 new patrons will be created." not in page
    assert "21 new patrons will be created." in page  # R001 is on two lines
    assert "1 patron will be updated." in page
    table = re.search(r'<table id="patron-import-creates".*?</table>', page, re.S)
    assert table, page
    shown = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td>", table[0])
    assert shown[:2] == [("3", "Reader 02"), ("4", "Reader 03")]
    assert len(shown) == 20
    assert '<td data-label="Category">child</td>' in table[0]
    assert "The first 20 are shown; the API lists them all." in page


def test_a_name_whose_letters_windows_1252_lost_is_warned_of_on_its_row(
    library, librarian: Client, desk: Desk
) -> None:
    content = HEADER + "Nguy?n Th?;L0001;;adult;;\r\nZoé Ça?;L0002;;adult;;Who? Ask.\r\n"
    where, _job_id, rows = _staged(librarian, library, content.encode("cp1252"))

    assert [row["action"] for row in rows] == ["create", "create"]
    assert rows[0]["reason"].startswith(
        "new barcode; name: \u201cNguy?n Th?\u201d has a ? where a letter was: saved as "
        "Windows-1252"
    )
    assert "Save it as CSV UTF-8" in rows[0]["reason"]
    assert rows[1]["reason"] == "new barcode"
    page = librarian.get(where, HTTP_ACCEPT_LANGUAGE="en").text
    assert "the name on line 2 has a ? where a letter was" in page
    # A UTF-8 file kept its letters: a "?" in it is the reader's own.
    utf8 = HEADER + "Nguy?n;L0003;;adult;;\r\n"
    _where, _job_id, rows = _staged(librarian, library, utf8.encode())
    assert rows[0]["reason"] == "new barcode"
