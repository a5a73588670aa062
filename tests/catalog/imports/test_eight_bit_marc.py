"""A UNIMARC file is read as UNIMARC, not refused; a MARC record whose leader says MARC-8
(leader/09 blank) but whose text is in an 8-bit code page is never read into garbage unseen:
Windows-1251 Cyrillic is read as such and kept in UTF-8, another encoding is warned of on its
row; real MARC-8 reads as before."""

import io

from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Record
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import MARC_DIR, api_upload_run, job_import, job_run
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def _iso2709(fields: list[tuple[str, bytes]], kind: bytes = b"nam  22") -> bytes:
    """One record with leader/09 blank (MARC-8, or UNIMARC's `kind` of record), its fields
    given as bytes."""
    directory, body = b"", b""
    for tag, value in fields:
        field = value + b"\x1e"
        directory += tag.encode() + b"%04d%05d" % (len(field), len(body))
        body += field
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = b"%05d" % length + kind + b"%05d   4500" % base
    return leader + directory + b"\x1e" + body + b"\x1d"


def _record(number: str, title: bytes, author: bytes) -> bytes:
    return _iso2709(
        [
            ("001", number.encode()),
            ("100", b"1 \x1fa" + author),
            ("245", b"10\x1fa" + title),
        ]
    )


def _imported(content: bytes) -> dict[int, ImportRow]:
    job = import_job_create(file=io.BytesIO(content), file_name="books.mrc", one_shot=True)
    job_run(job)
    return {row.position: row for row in ImportRow.objects.filter(job=job)}


def test_windows_1251_cyrillic_is_read_as_such_and_said_on_its_row(in_library):
    rows = _imported(
        _record("r-1", "Война и мир".encode("cp1251"), "Толстой, Лев".encode("cp1251"))
    )

    assert rows[1].action == "create"
    assert "it is Cyrillic in Windows-1251" in rows[1].reason
    record = Record.objects.get()
    assert record.title == "Война и мир"
    assert [c.contributor.name for c in record.credits.all()] == ["Толстой, Лев"]
    # The MARC kept is the text as read, so an export gives the same letters.
    assert bytes(record.source_marc)[9:10] == b"a"
    assert "Война и мир".encode() in bytes(record.source_marc)


def test_real_marc8_diacritics_read_as_before_without_a_warning(in_library):
    # ANSEL writes the acute accent (0xE2) before its letter.
    rows = _imported(_record("r-2", b"Caf\xe2e au lait", b"Dupr\xe2e, Jean"))

    assert "Warning" not in rows[1].reason
    assert Record.objects.get().title == "Café au lait"


def test_another_8_bit_encoding_is_warned_of_on_its_row(in_library):
    rows = _imported(_record("r-3", b"Smart \x93\x91quotes\x92\x94", b"Someone"))

    assert rows[1].action == "create"
    assert "it is in another encoding" in rows[1].reason
    assert "export the record again as UTF-8 MARC" in rows[1].reason


def test_a_russian_library_s_file_in_windows_1251_comes_in_readable(in_library):
    job = job_import(MARC_DIR / "1251.dat", one_shot=True, on_match="create")

    assert (job.status, job.created, job.rejected) == ("committed", 6, 0)
    reasons = list(ImportRow.objects.filter(job=job).values_list("reason", flat=True))
    assert all("Cyrillic in Windows-1251" in reason for reason in reasons), reasons
    assert "Some characters could not be read" not in " ".join(reasons)
    assert sorted(Record.objects.values_list("title", flat=True))[0] == ("Мио, мой Мио!")


def test_a_unimarc_file_is_read_as_unimarc_and_the_staff_page_says_so(library):
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    job_id = api_upload_run(api, "f.mrc", (MARC_DIR / "testunimarc.dat").read_bytes())
    job = api.get(f"/api/v1/imports/{job_id}/").json()
    page = staff_client("alpha", LIBRARY_HOST, "librarian").get(f"/staff/imports/{job_id}/")

    assert (job["status"], job["error"], job["rejected"]) == ("staged", "", 0)
    assert "Read as UNIMARC" in page.text
    # The job's header names the format it was read as, not the one the upload chose.
    assert "<dt>Format</dt><dd>UNIMARC (ISO 2709)</dd>" in page.text
    form = staff_client("alpha", LIBRARY_HOST, "admin").get("/staff/imports/")
    assert "File (MARC 21, UNIMARC, MARCXML or CSV)" in form.text
    assert "MARC 21 or UNIMARC (ISO 2709)</option>" in form.text
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")
    assert other.get(f"/api/v1/imports/{job_id}/").status_code == 404
    with schema_context("alpha"):
        assert Record.objects.count() == 0


def test_a_marc21_file_with_a_field_200_is_not_taken_for_unimarc(in_library):
    record = _iso2709([("001", b"r-4"), ("200", b"  \x1faLocal"), ("245", b"10\x1faDune")])
    rows = _imported(record)

    assert rows[1].action == "create"
    assert Record.objects.get().title == "Dune"
