"""The columns a CSV's header names that the import does not read, each with the template's
column it probably meant, for the preview to say which values will not be kept."""

import csv
import difflib
from typing import IO

from catalog.imports.formats.csv_file import (
    CSV_COLUMNS,
    CSV_FILE_COLUMNS,
    MAX_CSV_FIELDS,
    MAX_CSV_ROW_CHARS,
)
from common.csv_delimiters import csv_delimiter

# How long a column's name the job keeps to say it was not read.
_COLUMN_NAME_KEPT = 100


def csv_unread_columns(stream: IO[bytes], encoding: str = "utf-8") -> list[tuple[str, str]]:
    """The file's columns the import does not read, as the header names them, each with the
    template's column it probably meant ("Author": authors) or "". Case and spaces around a
    known name do not count; a header that cannot be read gives none (the reader says why)."""
    first = stream.readline(MAX_CSV_ROW_CHARS + 1)
    try:
        line = first.decode(encoding).removeprefix("\ufeff")
        # A header all in French or German still splits into its columns, to be named.
        delimiter = csv_delimiter(line, CSV_FILE_COLUMNS | _COLUMNS_ELSEWHERE.keys())
        header = next(csv.reader([line], delimiter=delimiter), [])
    except (UnicodeDecodeError, csv.Error):
        return []
    names = [name.strip() for name in header[:MAX_CSV_FIELDS]]
    unread = [name for name in names if name and name.lower() not in CSV_FILE_COLUMNS]
    return [(name[:_COLUMN_NAME_KEPT], _column_meant(name)) for name in dict.fromkeys(unread)]


# Column names of French, German and Spanish spreadsheets that spelling alone cannot bring
# near the template's ("Auteur" is not close to "authors"), so their suggestion is not lost.
_COLUMNS_ELSEWHERE = {
    "titre": "title", "titel": "title", "titulo": "title", "título": "title",
    "sous_titre": "subtitle", "untertitel": "subtitle", "subtitulo": "subtitle",
    "auteur": "authors", "auteurs": "authors", "autor": "authors", "autoren": "authors",
    "autores": "authors", "verfasser": "authors",
    "éditeur": "publisher", "editeur": "publisher", "verlag": "publisher",
    "editorial": "publisher", "année": "year", "annee": "year", "jahr": "year", "año": "year",
    "langue": "language", "sprache": "language", "idioma": "language",
    "résumé": "summary", "resume": "summary", "zusammenfassung": "summary",
    "resumen": "summary", "sujets": "subjects", "schlagwörter": "subjects",
    "materias": "subjects", "code_barre": "barcode", "code_barres": "barcode",
    "code-barres": "barcode", "strichcode": "barcode", "código_de_barras": "barcode",
    "cote": "call_number", "signatur": "call_number", "signatura": "call_number",
    "localisation": "location", "standort": "location", "ubicación": "location",
    "statut": "status", "estado": "status", "collection": "series", "reihe": "series",
    "colección": "series", "auflage": "edition", "edición": "edition",
}  # fmt: skip


def _column_meant(name: str) -> str:
    spelt = "_".join(name.lower().replace("-", " ").split())
    if spelt in _COLUMNS_ELSEWHERE:
        return _COLUMNS_ELSEWHERE[spelt]
    close = difflib.get_close_matches(spelt, CSV_COLUMNS, n=1, cutoff=0.7)
    return close[0] if close else ""
