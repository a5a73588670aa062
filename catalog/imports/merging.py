"""What a record becomes when a file's record meets it (the on-match rules that keep Stacks's
edits or fill only empty fields), and how the change is told on the preview."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from catalog.imports.formats.marc import marc_read
from catalog.imports.formats.marc21 import marc_map
from catalog.imports.formats.source import RecordRejected
from catalog.imports.snapshots import record_comparable, snapshot_data
from catalog.models import credit_shown, identifier_shown
from catalog.services import RECORD_FIELDS, RecordData
from catalog.text import name_key
from common.language import list_joined

# The fields as an update's preview names them.
_LABELS = {
    "title": gettext_lazy("title"), "subtitle": gettext_lazy("subtitle"),
    "publisher": gettext_lazy("publisher"), "publication_year": gettext_lazy("year"),
    "edition": gettext_lazy("edition"), "language": gettext_lazy("language"),
    "series": gettext_lazy("series"), "summary": gettext_lazy("summary"),
    "control_number": gettext_lazy("control number"),
    "control_number_source": gettext_lazy("control number source"),
    "contributors": gettext_lazy("contributors"), "subjects": gettext_lazy("subjects"),
    "identifiers": gettext_lazy("identifiers"),
}  # fmt: skip


def _shown(value: Any) -> str:
    text = str(value)
    # Quoted as the language quotes: French writes « », with no-break spaces inside.
    quoted = gettext("\u201c%(value)s\u201d")
    return quoted % {"value": f"{text[:60]}\u2026" if len(text) > 60 else text}


def _listed(data: RecordData, name: str) -> str:
    if name == "contributors":
        return list_joined(credit_shown(who, role) for who, role in data.contributors)
    if name == "subjects":
        return list_joined(heading for heading, _ in data.subjects)
    return list_joined(identifier_shown(*pair) for pair in sorted(set(data.identifiers)))


def changes_listed(before: RecordData, after: RecordData, new_barcodes: list[str]) -> str:
    """What an update changes, field by field, as the preview shows it ("title: “X” → “Y”;
    summary: removed")."""
    changes = []
    for name in RECORD_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if (old or "") == (new or "") or (name == "title" and old == new.strip()):
            continue
        label = str(_LABELS.get(name, name))
        if new in ("", None):
            changes.append(gettext("%(field)s: removed") % {"field": label})
        elif old in ("", None):
            changes.append(
                gettext("%(field)s: added %(value)s") % {"field": label, "value": _shown(new)}
            )
        else:
            changes.append(_changed(label, _shown(old), _shown(new)))
    for name in ("contributors", "subjects", "identifiers"):
        old, new = _listed(before, name), _listed(after, name)
        if old != new:
            none = gettext("none")
            changes.append(
                _changed(str(_LABELS[name]), _shown(old) if old else none,
                         _shown(new) if new else none)
            )  # fmt: skip
    if new_barcodes:
        changes.append(
            gettext("copies added: %(barcodes)s") % {"barcodes": ", ".join(new_barcodes[:10])}
        )
    return list_joined(changes) or gettext("headings written otherwise")


def _changed(label: str, old: str, new: str) -> str:
    return gettext("%(field)s: %(old)s \u2192 %(new)s") % {"field": label, "old": old, "new": new}


def _as_imported(snapshot: dict[str, Any]) -> RecordData | None:
    """The record as its last import wrote it (its source MARC, read again), if it came in
    as MARC."""
    marc = snapshot_data(snapshot).source_marc
    if not marc:
        return None
    try:
        data, _ = marc_map(marc_read(bytes(marc)))
    except (RecordRejected, ValueError, UnicodeDecodeError):
        return None
    return data


def _same(name: str, one: RecordData, other: RecordData) -> bool:
    mine, theirs = record_comparable(one), record_comparable(other)
    if name == "subjects" or name == "identifiers":
        return set(map(tuple, mine[name])) == set(map(tuple, theirs[name]))
    return bool(mine[name] == theirs[name])


def local_edits_kept(
    before: RecordData, snapshot: dict[str, Any], incoming: RecordData
) -> RecordData:
    """The file's record, but with each field edited in Stacks since the last import (where
    the record differs from its source MARC as read again) as Stacks has it. A record with
    no source to compare with (made in Stacks, or imported from CSV) keeps every field it has
    a value for, as fill_empty."""
    imported = _as_imported(snapshot)
    if imported is None:
        return empty_fields_filled(before, incoming)
    values = {
        name: getattr(before if not _same(name, before, imported) else incoming, name)
        for name in (*RECORD_FIELDS, "contributors", "subjects", "identifiers")
    }
    return RecordData(**values, source_marc=incoming.source_marc, nonfiling=incoming.nonfiling)


def absent_fields_kept(
    before: RecordData, incoming: RecordData, absent: frozenset[str]
) -> RecordData:
    """The file's record, with the fields the file has no column for (SourceRecord.absent) as
    the record has them: a spreadsheet without an edition column says nothing of editions,
    while an empty cell of a column it has says there is none. A file with names but no roles
    (headings but no schemes) leaves each name the record has its role (heading its scheme),
    and one with control numbers but no sources the source of the number the record has; a
    title the record has keeps the characters its sorting skips ("La " of "La peste")."""
    if not absent:
        return incoming
    kept = {
        name: getattr(before, name)
        for name in (*RECORD_FIELDS, "contributors", "subjects")
        if name in absent
    }
    if "control_number" not in absent and incoming.control_number != before.control_number:
        # The source says whose number the record's is, not whose the file's new one is.
        kept.pop("control_number_source", None)
    if "nonfiling" in absent and incoming.title == before.title:
        kept["nonfiling"] = before.nonfiling
    if "contributor_roles" in absent and "contributors" not in absent:
        kept["contributors"] = _second_kept(before.contributors, incoming.contributors)
    if "subject_schemes" in absent and "subjects" not in absent:
        kept["subjects"] = _second_kept(before.subjects, incoming.subjects)
    others = [pair for pair in before.identifiers if pair[0] in absent]
    return replace(incoming, **kept, identifiers=[*incoming.identifiers, *others])


def _second_kept(
    before: Sequence[tuple[str, str]], incoming: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The file's (name, role) or (heading, scheme) pairs, each name the record has taking the
    record's role for it: the n-th time the file gives a name, the n-th role the record gives
    it (one illustrator and author keeps both). A name new to the record keeps the file's."""
    theirs: dict[str, list[str]] = {}
    for name, second in before:
        theirs.setdefault(name_key(name), []).append(second)
    pairs = []
    for name, second in incoming:
        held = theirs.get(name_key(name))
        pairs.append((name, held.pop(0) if held else second))
    return pairs


def empty_fields_filled(before: RecordData, incoming: RecordData) -> RecordData:
    """The record as Stacks holds it, with only its empty fields taken from the file."""
    values = {
        name: getattr(before, name) if getattr(before, name) not in ("", None)
        else getattr(incoming, name)
        for name in RECORD_FIELDS
    }  # fmt: skip
    for name in ("contributors", "subjects", "identifiers"):
        values[name] = getattr(before, name) or getattr(incoming, name)
    return RecordData(**values, source_marc=incoming.source_marc, nonfiling=incoming.nonfiling)
