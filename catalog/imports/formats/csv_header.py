"""The catalog CSV's header: the template's columns, and the names librarians write for them
in the languages Stacks speaks, read as those columns."""

from catalog.text import search_fold

# The documented CSV columns, in the order of the downloadable template.
CSV_COLUMNS = [
    "title",
    "subtitle",
    "authors",
    "roles",
    "isbn",
    "issn",
    "lccn",
    "oclc",
    "control_number",
    "control_number_source",
    "publisher",
    "year",
    "edition",
    "language",
    "series",
    "summary",
    "subjects",
    "subject_schemes",
    "barcode",
    "call_number",
    "location",
    "status",
    "price",
]
# The columns a catalog CSV may have: the template's, an export's `id`, a rejects file's last
# two (`position` in the rejects files of earlier versions).
CSV_FILE_COLUMNS = frozenset([*CSV_COLUMNS, "id", "reason", "line", "position"])
# Column names librarians write in the languages Stacks speaks, read as the template's column
# they can only mean. A name that may mean two ("Collection": a series, or a collection) is
# not here: it stays unread, and the preview names the column it probably meant.
CSV_COLUMNS_ELSEWHERE = {
    "author": "authors", "auteur": "authors", "auteurs": "authors", "autor": "authors",
    "autoren": "authors", "autores": "authors", "verfasser": "authors",
    "titre": "title", "titel": "title", "título": "title",
    "sous-titre": "subtitle", "untertitel": "subtitle", "subtítulo": "subtitle",
    "isbn13": "isbn", "isbn-13": "isbn",
    "éditeur": "publisher", "verlag": "publisher", "editorial": "publisher",
    "année": "year", "jahr": "year", "año": "year",
    "auflage": "edition", "edición": "edition",
    "langue": "language", "sprache": "language", "idioma": "language",
    "reihe": "series",
    "résumé": "summary", "zusammenfassung": "summary", "resumen": "summary",
    "subject": "subjects", "sujets": "subjects", "schlagwörter": "subjects",
    "materias": "subjects",
    "code-barres": "barcode", "code-barre": "barcode", "strichcode": "barcode",
    "código de barras": "barcode",
    "cote": "call_number", "signatur": "call_number", "signatura": "call_number",
    "localisation": "location", "standort": "location", "ubicación": "location",
    "prix": "price", "preis": "price", "precio": "price",
}  # fmt: skip


def csv_column_spelt(name: str) -> str:
    """A header's name as the columns are compared: no case, accents or spaces around, and
    words joined by "_" ("Code barres" and "code-barres" are "code_barres")."""
    return "_".join(search_fold(name).casefold().replace("-", " ").split())


# The other languages' names as csv_column_spelt gives them, each with its template column.
CSV_COLUMNS_READ_AS = {
    csv_column_spelt(name): column for name, column in CSV_COLUMNS_ELSEWHERE.items()
}
# The names a catalog CSV's header may hold, as csv_delimiter compares them (lowercased):
# written with their accents, or without ("Editeur").
CSV_HEADER_NAMES = CSV_FILE_COLUMNS | CSV_COLUMNS_ELSEWHERE.keys() | CSV_COLUMNS_READ_AS.keys()


def csv_columns_read(header: list[str]) -> list[str]:
    """Each of the header's names as the import reads it: a template column's name in any
    case and spacing is that column; so is another language's name for it, unless the file
    has that column already; any other name is left as it is, and not read."""
    spelt = [csv_column_spelt(name) for name in header]
    taken = set(spelt) & CSV_FILE_COLUMNS
    columns = []
    for name, plain in zip(header, spelt, strict=True):
        column = plain if plain in CSV_FILE_COLUMNS else CSV_COLUMNS_READ_AS.get(plain, "")
        if column and (column == plain or column not in taken):
            taken.add(column)
            columns.append(column)
        else:
            columns.append(name)
    return columns
