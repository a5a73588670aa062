"""Reading each format record by record, and the MARC 21 and CSV mappings."""

import io
import time

import pymarc
import pytest

from catalog.imports.formats.csv_file import csv_records
from catalog.imports.formats.marc import marc_parse, marc_read_direct, marc_records, marc_split
from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.marcxml import marcxml_records
from catalog.imports.formats.source import FileUnreadable, RecordRejected
from catalog.imports.generate import marc_generate
from tests.catalog.imports.helpers import MARC_DIR


def _field(tag: str, subfields: list[tuple[str, str]], indicators: str = "  ") -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(indicators[0], indicators[1]),
        subfields=[pymarc.Subfield(code=c, value=v) for c, v in subfields],
    )


def test_marc_mapping_of_every_mapped_field():
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data="ocm12345"))
    record.add_field(pymarc.Field(tag="003", data="OCoLC"))
    record.add_field(pymarc.Field(tag="008", data="850101s1969    nyu           000 1 eng d"))
    record.add_field(_field("010", [("a", "  69011331 ")]))
    record.add_field(_field("020", [("a", "0441478123 (pbk.)")]))
    record.add_field(_field("020", [("a", "not an isbn")]))
    record.add_field(_field("022", [("a", "0378-5955")]))
    record.add_field(_field("035", [("a", "(OCoLC)000123")]))
    record.add_field(_field("100", [("a", "Le Guin, Ursula K.,"), ("d", "1929-2018.")], "1 "))
    record.add_field(_field("245", [("a", "The left hand of darkness /"), ("b", "a novel")], "14"))
    record.add_field(_field("250", [("a", "1st ed.")]))
    record.add_field(_field("264", [("a", "New York :"), ("b", "Ace Books,"), ("c", "c1969.")]))
    record.add_field(_field("490", [("a", "Hainish cycle ;"), ("v", "4")], "0 "))
    record.add_field(_field("520", [("a", "An envoy visits Gethen.")]))
    record.add_field(_field("650", [("a", "Science fiction."), ("x", "History")], " 0"))
    record.add_field(_field("655", [("a", "Novels"), ("2", "gsafd")], " 7"))
    record.add_field(_field("700", [("a", "Jameson, Fredric,"), ("e", "editor.")], "1 "))
    record.add_field(_field("710", [("a", "Ace Books")], "2 "))
    record.add_field(_field("852", [("b", "MAIN"), ("h", "PS3562"), ("p", "3001")]))
    record.add_field(_field("952", [("a", "BRANCH"), ("o", "813 LEG"), ("p", "3002")]))

    data, items = marc_map(record)

    assert data.title == "The left hand of darkness"
    assert data.nonfiling == 4
    assert data.subtitle == "a novel"
    assert data.contributors == [
        ("Le Guin, Ursula K. (1929-2018)", "author"),
        ("Jameson, Fredric", "editor"),
        ("Ace Books", "corporate"),
    ]
    assert ("isbn", "9780441478125") in data.identifiers
    assert ("issn", "0378-5955") in data.identifiers
    assert ("lccn", "69011331") in data.identifiers
    assert ("oclc", "123") in data.identifiers
    assert len([i for i in data.identifiers if i[0] == "isbn"]) == 1  # the invalid one is not
    assert (data.control_number, data.control_number_source) == ("ocm12345", "OCoLC")
    assert (data.publisher, data.publication_year, data.edition) == ("Ace Books", 1969, "1st ed")
    assert data.language == "eng"
    assert data.series == "Hainish cycle ; 4"
    assert data.summary == "An envoy visits Gethen."
    assert data.subjects == [("Science fiction -- History", "lcsh"), ("Novels", "gsafd")]
    assert [(i.barcode, i.call_number, i.location) for i in items] == [
        ("3001", "PS3562", "MAIN"),
        ("3002", "813 LEG", "BRANCH"),
    ]


def test_a_heading_keeps_the_full_stop_of_an_abbreviation_and_drops_isbds():
    record = pymarc.Record(force_utf8=True)
    record.add_field(_field("245", [("a", "Le petit prince")]))
    record.add_field(_field("650", [("a", "Amitié."), ("v", "Romans, nouvelles, etc.")], " 7"))
    record.add_field(_field("600", [("a", "Tolkien, J. R. R.")], "10"))
    record.add_field(_field("651", [("a", "Rome"), ("y", "753-510 av. J.-C.")], " 7"))
    record.add_field(_field("650", [("a", "Science fiction."), ("x", "History.")], " 0"))

    data, _items = marc_map(record)

    assert [heading for heading, _scheme in data.subjects] == [
        "Amitié -- Romans, nouvelles, etc.",
        "Tolkien, J. R. R.",
        "Rome -- 753-510 av. J.-C.",
        "Science fiction -- History",
    ]


@pytest.mark.parametrize(
    ("title", "number"), [("Folio junior", "100"), ("Folio junior ;", "100."), ("Folio junior", "")]
)
def test_a_series_number_is_set_apart_from_the_series_title(title, number):
    record = pymarc.Record(force_utf8=True)
    record.add_field(_field("245", [("a", "Le petit prince")]))
    record.add_field(_field("490", [("a", title), *([("v", number)] if number else [])], "0 "))

    data, _items = marc_map(record)

    assert data.series == ("Folio junior ; 100" if number else "Folio junior")


def test_a_name_drops_isbds_closing_punctuation_and_sets_a_person_s_dates_apart():
    record = pymarc.Record(force_utf8=True)
    record.add_field(_field("100", [("a", "Hunter, Dan,"), ("d", "1966-"), ("e", "editor.")]))
    record.add_field(_field("245", [("a", "The pragmatic programmer :"), ("b", "from x /")]))
    record.add_field(_field("700", [("a", "Wall, Larry."), ("4", "aut")]))
    record.add_field(_field("700", [("a", "Tolkien, J. R. R.,"), ("d", "1892-1973.")]))
    record.add_field(_field("700", [("a", "King, Martin Luther,"), ("c", "Jr.,"), ("d", "1929-")]))
    record.add_field(_field("700", [("a", "Brown, Martin C.")]))
    record.add_field(_field("700", [("a", "Lowe, Vincent"), ("q", "(Vincent D.)")]))
    record.add_field(_field("710", [("a", "Unesco."), ("b", "Office.")]))
    record.add_field(_field("711", [("a", "Perl Conference"), ("d", "(2000 :"), ("c", "Calif.)")]))

    data, _items = marc_map(record)

    assert (data.title, data.subtitle) == ("The pragmatic programmer", "from x")
    assert [name for name, _role in data.contributors] == [
        "Hunter, Dan (1966-)",
        "Wall, Larry",
        "Tolkien, J. R. R. (1892-1973)",
        "King, Martin Luther, Jr. (1929-)",
        "Brown, Martin C.",
        "Lowe, Vincent (Vincent D.)",
        "Unesco. Office",
        "Perl Conference (2000 : Calif.)",
    ]


@pytest.mark.parametrize("indicator", ["\u00b2", "\u0663", "x", " "])
def test_a_title_whose_nonfiling_indicator_is_no_digit_files_under_every_word(indicator):
    # "²" passes str.isdigit() and int() refuses it; the record is still read, not a crash.
    record = pymarc.Record(force_utf8=True)
    record.add_field(_field("245", [("a", "The dispossessed")], "1" + indicator))

    data, _items = marc_map(record)

    assert (data.title, data.nonfiling) == ("The dispossessed", 0)


def test_marc8_records_are_decoded():
    sources = [s for s, _ in marc_records((MARC_DIR / "marc8.dat").open("rb"))]
    assert len(sources) == 1
    assert sources[0].data is not None
    assert "communauté" in marc_parse(sources[0].raw)["240"]["a"]


def test_utf8_bytes_under_a_marc8_leader_are_read_as_utf8():
    source = next(marc_records((MARC_DIR / "utf8_without_leader_flag.dat").open("rb")))[0]
    with_flag = next(marc_records((MARC_DIR / "utf8_with_leader_flag.dat").open("rb")))[0]
    assert source.data is not None
    assert with_flag.data is not None
    assert source.data.title == with_flag.data.title


def test_reading_resumes_after_a_corrupt_record():
    sources = [s for s, _ in marc_records((MARC_DIR / "bad_records.mrc").open("rb"))]
    assert [s.position for s in sources] == list(range(1, 9))
    good = [s for s in sources if s.data is not None]
    assert len(good) == 2
    assert all(s.error for s in sources if s.data is None)
    # pymarc's own reader gives up on the structure; ours still reads the good records.
    assert {s.position for s in good} != {1, 2}


def test_a_garbage_run_without_terminators_is_one_reject_and_reading_goes_on():
    good = (MARC_DIR / "test.dat").read_bytes()
    stream = io.BytesIO(good + b"x" * 300_000 + b"\x1d" + good)
    sources = [s for s, _ in marc_records(stream)]
    assert len([s for s in sources if s.data is not None]) == 20
    assert len([s for s in sources if s.error]) == 1


def test_split_reads_in_blocks_and_reports_offsets():
    raw = (MARC_DIR / "marc.dat").read_bytes()
    pieces = list(marc_split(io.BytesIO(raw)))
    assert len(pieces) == 20
    assert pieces[-1][1] == len(raw)
    # Starting from a checkpoint's offset gives the same records as skipping to it.
    offset = pieces[9][1]
    resumed = [s.position for s, _ in marc_records(io.BytesIO(raw), 10, offset)]
    assert resumed == list(range(11, 21))


def test_marcxml_is_streamed_record_by_record():
    sources = [s for s, _ in marcxml_records((MARC_DIR / "batch.xml").open("rb"))]
    assert len(sources) == 2
    assert all(s.data is not None and s.data.title for s in sources)
    # Its MARC form is kept, so a MARC export gives the record back.
    assert pymarc.Record(data=sources[0].raw, to_unicode=True)["245"]["a"]


def test_marcxml_with_a_bad_leader_is_a_reject_with_a_reason():
    sources = [s for s, _ in marcxml_records((MARC_DIR / "bad_tag.xml").open("rb"))]
    assert len(sources) == 1
    assert sources[0].data is None
    assert sources[0].error


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<collection><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&lol9;</subfield></datafield>
</record></collection>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<collection><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&secret;</subfield></datafield>
</record></collection>"""


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_hostile_xml_is_refused_before_any_record(hostile):
    started = time.process_time()
    with pytest.raises(FileUnreadable, match="refused"):
        list(marcxml_records(io.BytesIO(hostile)))
    # Refused at the DTD, not after expanding anything: far under a second of CPU.
    assert time.process_time() - started < 1.0


def test_csv_with_and_without_bom():
    text = "title,authors,isbn,year,subjects,barcode,location\n" + (
        'Dune,"Herbert, Frank",0441172717,1965,Science fiction; Deserts,B1,MAIN\n'
    )
    for encoded in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        [(source, _)] = list(csv_records(io.BytesIO(encoded)))
        assert source.data is not None
        assert source.data.title == "Dune"
        assert source.data.contributors == [("Herbert, Frank", "author")]
        assert source.data.identifiers == [("isbn", "9780441172719")]
        assert source.data.subjects == [("Science fiction", "local"), ("Deserts", "local")]
        assert [(i.barcode, i.location) for i in source.items] == [("B1", "MAIN")]


def test_csv_rows_without_title_or_with_a_bad_isbn_are_rejected_with_reasons():
    text = b"title,isbn\n,9780441172719\nDune,12345\nEmma,\n"
    sources = [s for s, _ in csv_records(io.BytesIO(text))]
    assert [s.position for s in sources] == [1, 2, 3]
    assert "title" in sources[0].error
    assert "ISBN" in sources[1].error
    assert sources[2].data is not None


def test_csv_without_a_title_column_is_refused():
    with pytest.raises(FileUnreadable, match="title"):
        list(csv_records(io.BytesIO(b"name,isbn\nDune,1\n")))


_PYMARC_ONLY = {
    "1251.dat", "bad_eacc_encoding.dat", "bad_marc8_escape.dat", "bad_subfield_code.dat",
    "utf8_invalid.mrc",
}  # fmt: skip


def _map_or_reason(record):  # type: ignore[no-untyped-def]
    try:
        return marc_map(record)
    except RecordRejected as error:
        return str(error)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in MARC_DIR.iterdir() if p.suffix in (".dat", ".mrc"))
)
def test_the_direct_reader_maps_records_as_pymarc_does(name):
    compared = 0
    with (MARC_DIR / name).open("rb") as stream:
        for raw, _ in marc_split(stream):
            direct = marc_read_direct(raw)
            if direct is None:
                continue  # read through pymarc anyway
            try:
                through_pymarc = marc_parse(raw)
            except RecordRejected:
                continue
            assert _map_or_reason(direct) == _map_or_reason(through_pymarc)
            compared += 1
    generated = io.BytesIO()
    marc_generate(generated, 50)
    for raw, _ in marc_split(io.BytesIO(generated.getvalue())):
        assert _map_or_reason(marc_read_direct(raw)) == _map_or_reason(marc_parse(raw))
    # Files in MARC-8, Windows-1251 or too damaged for the direct reader go through pymarc.
    assert compared or name in _PYMARC_ONLY
