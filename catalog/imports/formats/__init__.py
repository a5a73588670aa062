"""The reading stage: each format's reader, by the format names of catalog.imports.models.Format."""

from catalog.imports.formats.csv_file import csv_records
from catalog.imports.formats.marc import marc_records
from catalog.imports.formats.marcxml import marcxml_records

# Only ISO 2709 can seek to a checkpoint; the others re-read and skip what was staged.
SEEKABLE = {"marc"}
READERS = {"marc": marc_records, "marcxml": marcxml_records, "csv": csv_records}
