"""A CSV given back to a librarian to open in a spreadsheet, in the encoding their file came in."""

import codecs
from collections.abc import Iterable, Iterator

UTF8_BOM = "\ufeff"
# The names HTTP's charset parameter knows them by (IANA's), where Python's differ.
CHARSET_NAMES = {"cp1252": "windows-1252"}


def spreadsheet_csv(pieces: Iterable[str], encoding: str) -> tuple[Iterator[bytes], str]:
    """`pieces` of a CSV as bytes, with their charset, for a file read in `encoding`: in that
    encoding, so that Excel opens a Windows-1252 file's rejects as it saved the file and sends
    them back alike; in UTF-8 with a byte order mark (without which Excel reads UTF-8 as
    Windows-1252) for a UTF-8 file, or when that encoding cannot hold a character of them.
    A UTF-8 answer is encoded as it is sent; any other needs all its text first."""
    name = codecs.lookup(encoding).name if encoding else "utf-8"
    if name != "utf-8":
        text = "".join(pieces)
        try:
            return iter([text.encode(name)]), CHARSET_NAMES.get(name, name)
        except UnicodeEncodeError:
            pieces = [text]
    return _utf8_with_bom(pieces), "utf-8"


def _utf8_with_bom(pieces: Iterable[str]) -> Iterator[bytes]:
    yield UTF8_BOM.encode()
    for piece in pieces:
        yield piece.encode()
