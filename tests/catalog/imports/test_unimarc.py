"""A UNIMARC file (titles in field 200) is read as UNIMARC: each record is written in MARC 21,
which the catalog maps and keeps, its 995 copies become items, and every field not carried is
named on its row."""

import io

from django_tenants.utils import schema_context

from catalog.imports.jobs import import_job_commit, import_job_create
from catalog.imports.models import ImportRow
from catalog.models import Item, Record
from tests.api.conftest import client_for
from tests.api.test_imports_api import _key
from tests.catalog.imports.helpers import MARC_DIR, api_upload_run, job_run
from tests.catalog.imports.test_eight_bit_marc import _iso2709
from tests.catalog.imports.test_marc_kept import exported
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def _unimarc(fields: list[tuple[str, bytes]]) -> bytes:
    return _iso2709(fields, kind=b"nam0 22")


def _coded(character_sets: bytes) -> bytes:
    """Field 100 $a, its positions 26-29 giving the character sets."""
    return b"  \x1fa20240115d2019    m  y0frey" + character_sets + b"    ba"


def _school_book(character_sets: bytes, title: bytes) -> bytes:
    return _unimarc(
        [
            ("001", b"bcdi-42"),
            ("010", b"  \x1fa978-2-07-061275-8\x1fdbr. 7,50 EUR"),
            ("100", _coded(character_sets)),
            ("101", b"1 \x1fafre\x1fceng"),
            (
                "200",
                b"1 \x1fa"
                + title
                + b"\x1fetome 1\x1ffJ.K. Rowling\x1fgtrad. Jean-Fran\xc3\xa7ois M\xc3\xa9nard",
            ),
            ("210", b"  \x1faParis\x1fcGallimard jeunesse\x1fd2019"),
            ("215", b"  \x1fa308 p.\x1fcill.\x1fd18 cm"),
            ("225", b"2 \x1faFolio junior\x1fv899"),
            ("330", b"  \x1faHarry d\xc3\xa9couvre qu'il est sorcier."),
            ("606", b"  \x1faSorcellerie\x1fxRomans\x1fyGrande-Bretagne\x1f2rameau"),
            ("608", b"  \x1faRoman fantastique"),
            ("676", b"  \x1fa823.914\x1fv23"),
            ("700", b" 1\x1faRowling\x1fbJ.K.\x1ff1965-....\x1f4070"),
            ("702", b" 1\x1faM\xc3\xa9nard\x1fbJean-Fran\xc3\xa7ois\x1f4730"),
            ("801", b" 0\x1faFR\x1fbBCDI\x1fc20240115"),
            ("995", b"  \x1fbCDI\x1fcCDI\x1feFICTION\x1ffCDI000123\x1fkR ROW\x1fuDon de l'APE"),
            ("995", b"  \x1fbCDI\x1ffCDI000124\x1fkR ROW"),
        ]
    )


def _imported(content: bytes, **options: object) -> tuple[dict[int, ImportRow], object]:
    job = import_job_create(
        file=io.BytesIO(content), file_name="cdi.iso", create_locations=True, **options
    )  # type: ignore[arg-type]
    job = job_run(job)
    return {row.position: row for row in ImportRow.objects.filter(job=job)}, job


def test_the_real_unimarc_file_imports_its_title_authors_isbn_publisher_and_year(library):
    api = client_for(LIBRARY_HOST, f"Api-Key {_key('alpha')}")
    job_id = api_upload_run(api, "f.mrc", (MARC_DIR / "testunimarc.dat").read_bytes())
    staged = api.get(f"/api/v1/imports/{job_id}/").json()

    assert (staged["status"], staged["read_as"], staged["rejected"]) == ("staged", "unimarc", 0)
    assert staged["warnings"][0].startswith("Read as UNIMARC")
    with schema_context("alpha"):
        row = ImportRow.objects.get(job_id=job_id)
        assert row.action == "create"
        assert "field 801 (source of the record)" in row.reason
        job_run(import_job_commit(job_id=job_id))
        record = Record.objects.get()
        # The article between the non-sort marks is not sorted on.
        assert record.title == "L'altra faccia della spirale"
        assert record.sort_title.startswith("altra faccia")
        assert (record.publisher, record.publication_year) == ("A. Mondadori", 1996)
        assert (record.language, record.series) == ("ita", "Bestsellers ; 641")
        credits = [(c.contributor.name, c.role) for c in record.credits.order_by("position")]
        assert credits[0] == ("Asimov, Isaac", "author")
        assert ("Scaglia, Cesare", "contributor") in credits
        assert [(i.kind, i.value) for i in record.identifiers.all()] == [("isbn", "9788804406822")]
        assert list(record.subject_links.all()) == []  # the record has no 6XX
        # The record kept is MARC 21: its export has the title in 245.
        marc = exported()[0]
        assert marc["245"]["a"] == "L'altra faccia della spirale"
        assert marc["100"]["a"] == "Asimov, Isaac"
        assert marc.get_fields("200") == []
    other = client_for(OTHER_LIBRARY_HOST, f"Api-Key {_key('beta')}")
    assert other.get(f"/api/v1/imports/{job_id}/").status_code == 404


def test_a_school_librarys_record_gives_its_fields_subjects_and_995_copies(in_library):
    _, job = _imported(_school_book(b"50  ", b"Harry Potter \xc3\xa0 l'\xc3\xa9cole des sorciers"))
    assert job.read_as == "unimarc"
    job = job_run(import_job_commit(job_id=job.pk))

    assert job.status == "committed", job.error
    record = Record.objects.get()
    assert (record.title, record.subtitle) == ("Harry Potter à l'école des sorciers", "tome 1")
    assert (record.publisher, record.publication_year, record.language) == (
        "Gallimard jeunesse",
        2019,
        "fre",
    )
    assert record.series == "Folio junior ; 899"
    assert record.summary == "Harry découvre qu'il est sorcier."
    credits = [(c.contributor.name, c.role) for c in record.credits.order_by("position")]
    assert credits == [
        ("Rowling, J.K. (1965-)", "author"),
        ("Ménard, Jean-François", "translator"),
    ]
    subjects = [(s.subject.heading, s.subject.scheme) for s in record.subject_links.all()]
    assert ("Sorcellerie -- Romans -- Grande-Bretagne", "rameau") in subjects
    assert ("Roman fantastique", "local") in subjects
    items = {i.barcode: i for i in Item.objects.select_related("location")}
    assert set(items) == {"CDI000123", "CDI000124"}
    assert (items["CDI000123"].call_number, items["CDI000123"].location.code) == (
        "R ROW",
        "FICTION",
    )
    assert items["CDI000123"].public_note == "Don de l'APE"
    assert items["CDI000124"].location.code == "CDI"
    marc = exported()[0]
    assert marc["082"]["a"] == "823.914"
    assert marc["245"]["c"] == "J.K. Rowling ; trad. Jean-François Ménard"


def test_a_field_not_carried_is_named_on_the_row_and_iso_5426_is_read(in_library):
    rows, _ = _imported(_school_book(b"0103", b"L'\xc2ecole \xc1a la maison"))

    assert rows[1].action == "create"
    assert "Not imported from UNIMARC: field 801 (source of the record)." in rows[1].reason
    assert rows[1].title == "L'école à la maison"


def test_an_unreadable_iso_5426_character_is_said_on_its_row(in_library):
    rows, _ = _imported(_school_book(b"0103", b"Caf\xc2e \xa0 noir"))

    assert rows[1].title == "Café  noir"
    assert "could not be read (ISO 5426)" in rows[1].reason
    assert "200" in rows[1].reason


def test_a_byte_that_is_not_utf8_is_replaced_and_its_field_named(in_library):
    # One Windows-1252 "oe" in a UTF-8 record: the record comes in, the byte marked as unread.
    rows, _ = _imported(_school_book(b"50  ", b"L'\x9cil du loup"))

    assert rows[1].action == "create"
    assert rows[1].title == "L'\ufffdil du loup"
    assert "are not UTF-8" in rows[1].reason
    assert "fields: 200." in rows[1].reason
    assert Record.objects.count() == 0  # staged, not yet committed


def _latin1_book(title: bytes) -> bytes:
    return _unimarc(
        [
            ("001", b"bcdi-7"),
            ("100", _coded(b"50  ")),
            ("200", b"1 \x1fa" + title + b"\x1ffDaniel Pennac"),
            ("330", b"  \x1faUn gar\xe7on d\x92Afrique et un loup \xab borgne \xbb."),
        ]
    )


def test_a_record_in_windows_1252_is_read_as_such_and_said(in_library):
    rows, job = _imported(_latin1_book(b"L'\x8cil du loup"))
    job = job_run(import_job_commit(job_id=job.pk))

    assert rows[1].action == "create"
    assert "Windows-1252" in rows[1].reason
    record = Record.objects.get()
    assert record.title == "L'\u0152il du loup"
    assert record.summary == "Un gar\u00e7on d\u2019Afrique et un loup \u00ab borgne \u00bb."


def test_a_file_cut_inside_a_record_says_so_and_names_its_title(in_library):
    whole = _latin1_book(b"Les volcans")
    rows, _ = _imported(_school_book(b"50  ", b"Matilda") + whole[: len(whole) - 20])

    assert rows[1].action == "create"
    assert rows[2].action == "reject"
    assert "The file ends inside this record" in rows[2].reason
    assert rows[2].title == "Les volcans"


def test_a_last_record_missing_only_its_end_mark_is_read_with_a_warning(in_library):
    last = _latin1_book(b"Les volcans")
    rows, _ = _imported(_school_book(b"50  ", b"Matilda") + last[:-1])

    assert [rows[1].action, rows[2].action] == ["create", "create"]
    assert rows[2].title == "Les volcans"
    assert "had no end mark" in rows[2].reason


def test_an_isbn_with_a_wrong_check_digit_is_kept_said_and_found(in_library):
    content = _unimarc(
        [
            ("001", b"bcdi-9"),
            ("010", b"  \x1fa978-2-01-322486-1"),
            ("100", _coded(b"50  ")),
            ("200", b"1 \x1faLes volcans"),
        ]
    )
    rows, job = _imported(content)
    job_run(import_job_commit(job_id=job.pk))

    assert "ISBN 978-2-01-322486-1 has a wrong check digit" in rows[1].reason
    record = Record.objects.get()
    assert [(i.kind, i.value) for i in record.identifiers.all()] == [("isbn_bad", "9782013224861")]
    librarian = staff_client("alpha", LIBRARY_HOST, "librarian")
    found = librarian.get("/api/v1/records/", {"q": "978-2-01-322486-1"}).json()
    assert [each["title"] for each in found["results"]] == ["Les volcans"]
