"""Which character separates a CSV file's columns, told from its header row."""

import csv
from collections.abc import Collection

# Spreadsheets save CSV with "," in English, with ";" where "," is the decimal mark (French,
# German or Spanish Excel), and with a tab as "text"; "," wins a tie, as files said before.
DELIMITERS = (",", ";", "\t")


def csv_delimiter(header_line: str, columns: Collection[str]) -> str:
    """The delimiter that splits the header line into the most of the known column names."""

    def known(delimiter: str) -> int:
        try:
            names = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(name.strip().lower() in columns for name in names)

    return max(DELIMITERS, key=known)
