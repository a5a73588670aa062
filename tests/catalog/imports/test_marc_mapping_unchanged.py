"""Every MARC record the tests hold is read, mapped and prepared as tests/data/marc_mapped.json
recorded it: the reading of a record is the catalog's data, and a faster reader must give
the same values, warnings and COPY text, field for field.

After a change meant to alter the reading, record it again (and read the diff):
    MARC_MAPPED_WRITE=1 pytest tests/catalog/imports/test_marc_mapping_unchanged.py
"""

import hashlib
import io
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pymarc
import pytest
from django.utils import translation

from catalog.imports.deciding import match_keys
from catalog.imports.formats import READERS
from catalog.imports.generate import marc_generate
from catalog.imports.plans import record_prepared
from tests.catalog.imports.helpers import MARC_DIR

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "marc_mapped.json"
GENERATED = 20


def _field(tag: str, data: bytes) -> tuple[str, bytes]:
    return tag, data


def _iso2709(fields: list[tuple[str, bytes]], coding: bytes = b"a") -> bytes:
    """A record written by hand, its directory as long as its fields (whatever they hold)."""
    directory, body = b"", b""
    for tag, data in fields:
        directory += tag.encode() + b"%04d%05d" % (len(data) + 1, len(body))
        body += data + b"\x1e"
    base = 24 + len(directory) + 1
    leader = b"%05dnam %s22%05d i 4500" % (base + len(body) + 1, coding, base)
    return leader + directory + b"\x1e" + body + b"\x1d"


def _sub(indicators: bytes, *pairs: tuple[str, str]) -> bytes:
    return indicators + b"".join(b"\x1f" + c.encode() + v.encode() for c, v in pairs)


_CONTROL = [_field("001", b"odd 1 "), _field("003", b" OCoLC")]
# Records written to reach every turn of the reading: text with control characters or a
# field mark inside a field, damaged and empty subfield codes, every identifier, contributor,
# subject, series and holdings field the mapping reads, in UTF-8 and in 8-bit text.
ODD_RECORDS = [
    _iso2709(
        [
            *_CONTROL,
            _field("008", b"240101s1999    xxu           000 1 fre d"),
            _field("245", _sub(b"14", ("a", "The\ttitle\x0bwith tabs /"), ("b", "sub\x07 :"))),
            _field("520", _sub(b"  ", ("a", " Line one\nline two. "), ("a", "More\r\n"))),
            _field("650", _sub(b" 0", ("a", "Amiti\u00e9."), ("x", "History."))),
        ]
    ),
    _iso2709([_field("245", b"10\x1faField\x1emark inside\x1fcthen more")]),
    _iso2709([_field("245", "10\x1f\u00e1Accented code\x1fbrest".encode())]),
    _iso2709([_field("245", b"10\x1f\x1fa\x1faEmpty codes\x1f\x1fb\x1f")]),
    _iso2709([_field("245", b"\x1faNo indicators")]),
    _iso2709([_field("245", _sub(b"10", ("a", "  "), ("b", "only a subtitle")))]),
    _iso2709([_field("100", _sub(b"1 ", ("a", "Nobody")))]),
    _iso2709(
        [
            *_CONTROL,
            _field("010", _sub(b"  ", ("a", "  85-2 "), ("a", "not an lccn!"))),
            _field("020", _sub(b"  ", ("a", "0262510871 (pbk.)"), ("z", "9780262510879"))),
            _field("020", _sub(b"  ", ("a", "9780262510872"), ("a", "97802625108"))),
            _field("020", _sub(b"  ", ("a", "9,78207E+12"), ("q", "hardcover"))),
            _field("022", _sub(b"  ", ("a", "0317-8471"), ("a", "1234-5678"))),
            _field("035", _sub(b"  ", ("a", "(OCoLC)ocm00012345"), ("a", "(OCoLC)x1"))),
            _field("035", _sub(b"  ", ("a", "(DLC)123"), ("a", "(ocolc)on7"))),
            _field("041", _sub(b"0 ", ("a", "GER"))),
            _field("100", _sub(b"1 ", ("a", "Tolkien, J. R. R.,"), ("d", "1892-1973."))),
            _field("110", _sub(b"2 ", ("a", "Unesco."), ("b", "Office."))),
            _field("111", _sub(b"2 ", ("a", "Congress"), ("c", "Paris"))),
            _field("245", _sub(b"04", ("a", "The hobbit, or,"), ("n", "Part 1."), ("p", "Go"))),
            _field("245", _sub(b"00", ("a", "A second title"))),
            _field("250", _sub(b"  ", ("a", "2nd ed., rev."))),
            _field("260", _sub(b"  ", ("a", "London :"), ("b", "Allen & Unwin,"), ("c", "c1937."))),
            _field("490", _sub(b"1 ", ("a", "Folio junior ;"), ("v", "100"), ("a", "two"))),
            _field("830", _sub(b" 0", ("a", "Ignored series."))),
            _field("520", _sub(b"  ", ("b", "not read"), ("a", "A summary."))),
            _field("600", _sub(b"10", ("a", "Smith, John,"), ("d", "1900-"), ("t", "Works."))),
            _field("610", _sub(b"27", ("a", "Unesco"), ("2", "rameau"), ("2", "other"))),
            _field("611", _sub(b"24", ("a", "Congress"), ("y", "20th century"))),
            _field("630", _sub(b"07", ("a", "Bible"))),
            _field("648", _sub(b" 7", ("a", "1900-1999"), ("2", "fast" * 10))),
            _field("650", _sub(b" 2", ("x", "Only a division."), ("z", "France."))),
            _field("651", _sub(b" 6", ("a", "Paris (France)"), ("v", "Maps."))),
            _field("655", _sub(b" 9", ("a", "Romans, nouvelles, etc."))),
            _field("650", _sub(b" 0", ("b", " "), ("v", "."))),
            _field("700", _sub(b"1 ", ("a", "Baynes, Pauline,"), ("e", "ill."))),
            _field("700", _sub(b"1 ", ("a", "Smith, Ann"), ("4", "trl"), ("e", "Editor"))),
            _field("700", _sub(b"1 ", ("a", "Doe, Jane"), ("4", "aut"))),
            _field("700", _sub(b"1 ", ("a", "Roe, R."), ("e", "reader"))),
            _field("710", _sub(b"2 ", ("a", "Allen & Unwin."))),
            _field("711", _sub(b"2 ", ("a", "Meeting,"), ("q", "2001"))),
            _field("700", _sub(b"1 ", ("e", "no name"))),
            _field("852", _sub(b"  ", ("b", "MAIN"), ("h", "823"), ("i", "TOL"), ("p", " B1 "))),
            _field("852", _sub(b"  ", ("p", "B2"), ("9", "lost"), ("z", "a"), ("z", "b "))),
            _field("852", _sub(b"  ", ("p", "B3"), ("9", "nonsense"), ("x", " staff "))),
            _field("852", _sub(b"  ", ("b", "no barcode"))),
            _field("952", _sub(b"  ", ("a", "BR1"), ("b", "BR2"), ("o", "R 1"), ("p", "K1"))),
            _field("952", _sub(b"  ", ("b", "BR2"), ("p", "K2"))),
            _field("952", _sub(b"  ", ("o", "no barcode"))),
            _field("999", _sub(b"  ", ("a", "local"))),
        ]
    ),
    _iso2709(
        [
            _field("008", b"short"),
            _field("245", "10\x1faLes mis\u00e9rables /\x1fcHugo.".encode()),
            _field("264", _sub(b" 1", ("b", "Gallimard"), ("c", "[2001?]"))),
            _field("264", _sub(b" 4", ("c", "\u00a91999"))),
        ],
        coding=b" ",
    ),
    _iso2709([_field("245", "10\x1faCaf\u00e9 in Latin-1".encode("latin-1"))], coding=b" "),
    _iso2709([_field("245", "10\x1faTab\tin 8-bit caf\u00e9".encode("latin-1"))], coding=b" "),
    _iso2709([_field("245", b"10\x1faNo end\x1e\x1e")]),
    b"00026nam a2200025 i 4500\x1e\x1d",
]


def _inputs() -> dict[str, tuple[str, bytes]]:
    """Each file as the reader takes it, by name: the files of tests/data/marc, each MARC
    file's records written again in UTF-8 (which the direct reader reads), the odd records
    above, and generated records."""
    inputs = {}
    for path in sorted(MARC_DIR.iterdir()):
        if path.suffix == ".xml":
            inputs[path.name] = ("marcxml", path.read_bytes())
        elif path.suffix in (".dat", ".mrc"):
            inputs[path.name] = ("marc", path.read_bytes())
            with path.open("rb") as stream:
                reader = pymarc.MARCReader(stream, to_unicode=True, hide_utf8_warnings=True)
                again = b"".join(record.as_marc() for record in reader if record is not None)
            inputs[f"{path.name} in UTF-8"] = ("marc", again)
    inputs["odd records"] = ("marc", b"".join(ODD_RECORDS))
    generated = io.BytesIO()
    marc_generate(generated, GENERATED)
    inputs["generated"] = ("marc", generated.getvalue())
    return inputs


def _outputs(file_format: str, content: bytes) -> list[dict[str, Any]]:
    found = []
    for source, read in READERS[file_format](io.BytesIO(content)):
        out: dict[str, Any] = {
            "position": source.position,
            "read": read,
            "error": source.error,
            "identifiers": source.identifiers,
            "title": source.title,
            "warnings": source.warnings,
        }
        if source.data is not None:
            marc = source.data.source_marc
            out["data"] = asdict(source.data)
            out["data"]["source_marc"] = marc and hashlib.sha256(bytes(marc)).hexdigest()
            out["items"] = [asdict(item) for item in source.items]
            out["keys"] = match_keys(source.data, "either")
            prepared = asdict(record_prepared(source))
            if marc is not None:
                prepared["record"] = prepared["record"].replace(bytes(marc).hex(), "<source_marc>")
            prepared["headings"] = [[*key, value] for key, value in prepared["headings"].items()]
            out["prepared"] = prepared
        found.append(out)
    # As JSON holds them: tuples as lists, dictionaries' keys as strings.
    return json.loads(json.dumps(found, default=repr))  # type: ignore[no-any-return]


def _snapshot() -> dict[str, Any]:
    with translation.override("en"):
        return {name: _outputs(*given) for name, given in _inputs().items()}


def test_the_snapshot_is_written_only_when_asked():
    if os.environ.get("MARC_MAPPED_WRITE") == "1":
        SNAPSHOT.write_text(json.dumps(_snapshot(), indent=1, ensure_ascii=False) + "\n")
    assert SNAPSHOT.exists()


@pytest.mark.parametrize("name", sorted(_inputs()))
def test_every_record_reads_as_recorded(name):
    recorded = json.loads(SNAPSHOT.read_text())
    given = _inputs()[name]
    with translation.override("en"):
        outputs = _outputs(*given)
    assert len(outputs) == len(recorded[name])
    for now, then in zip(outputs, recorded[name], strict=True):
        assert now == then, f"record {now['position']} of {name}"
