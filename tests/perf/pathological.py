"""Import files of hostile shapes, written in bounded memory, for the memory benchmark."""

from pathlib import Path

MB = 1024 * 1024
GOOD_RECORD = (
    "<record><leader>00000nam a2200000 a 4500</leader>"
    '<controlfield tag="001">good-1</controlfield>'
    '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">A good record</subfield>'
    "</datafield></record>"
)


def marcxml_empty_elements(path: Path, size: int = 40 * MB) -> Path:
    """A MARCXML collection of millions of empty elements outside any <record>, and one record."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">')
        out.write(GOOD_RECORD)
        chunk = "<x/>" * 16_384
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write("</collection>\n")
    return path


def csv_one_line(path: Path, size: int = 5 * MB) -> Path:
    """A header, then one row of `size` bytes with no line break."""
    with path.open("w", encoding="utf-8") as out:
        out.write("title,isbn\n")
        chunk = "a," * 32_768
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write("\nA good book,\n")
    return path


def csv_many_columns(path: Path, columns: int = 10_000, rows: int = 500) -> Path:
    """Rows of `columns` fields under a header of the template's columns."""
    with path.open("w", encoding="utf-8") as out:
        out.write("title,isbn\n")
        row = "Wide," + ",".join(f"v{n}" for n in range(columns - 1)) + "\n"
        for _ in range(rows):
            out.write(row)
    return path


def csv_wide_header(path: Path, columns: int = 10_000, rows: int = 500) -> Path:
    """A header of `columns` names and rows as wide."""
    with path.open("w", encoding="utf-8") as out:
        out.write("title," + ",".join(f"c{n}" for n in range(columns - 1)) + "\n")
        row = "Wide," + ",".join(f"v{n}" for n in range(columns - 1)) + "\n"
        for _ in range(rows):
            out.write(row)
    return path
