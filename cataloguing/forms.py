"""The workspace's forms in the librarian's words: the record (ISBN first) and its copy."""

import base64
import json
import re
from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from catalog.identifiers import InvalidIdentifier, isbn_normalize
from catalog.images import CoverRefused, cover_size_check
from catalog.languages import MARC_FOR_SPOKEN
from catalog.models import MAX_YEAR, Item, Location, RecordContributor, credit_shown
from catalog.services import (
    RECORD_CONTROL,
    RECORD_DESCRIPTION,
    SUBJECT_SCHEME_DEFAULT,
    ItemData,
    RecordData,
)
from catalog.website import language_name
from cataloguing.drafts import Draft
from cataloguing.lookup import BARCODE_START, copy_call_number
from cataloguing.sources import source_label
from common.language import library_language, list_joined

CONTRIBUTOR_ROWS = 4


class Select(forms.Select):
    """A select rendered in one pass: Django's renders a template per option, which made most
    of the add page's time (six selects, some fifty options)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


# The languages offered by name, in the reader's language (stored as MARC's ISO 639-2/B
# codes); a code from a source that is not listed is offered as it is.
LANGUAGE_CODES = (
    "eng", "fre", "ger", "spa", "ita", "por", "dut", "swe", "dan", "nor", "fin", "ice", "pol",
    "cze", "hun", "rus", "ukr", "gre", "tur", "ara", "heb", "per", "hin", "chi", "jpn", "kor",
    "vie", "lat", "wel", "gle", "mul", "und",
)  # fmt: skip


def language_choices() -> list[tuple[str, str]]:
    return [("", gettext("Not given")), *((code, language_name(code)) for code in LANGUAGE_CODES)]


class _OnePassInput(forms.widgets.Input):
    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        shown = self.format_value(value)
        if shown is not None:
            final["value"] = shown
        return format_html('<input type="{}" name="{}"{}>', self.input_type, name, flatatt(final))


class TextInput(_OnePassInput, forms.TextInput):
    pass


class NumberInput(_OnePassInput, forms.NumberInput):
    pass


class HiddenInput(_OnePassInput, forms.HiddenInput):
    pass


class Textarea(forms.Textarea):
    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        shown = self.format_value(value) or ""
        return format_html('<textarea name="{}"{}>\n{}</textarea>', name, flatatt(final), shown)


_ONE_PASS: dict[type[forms.Widget], type[forms.Widget]] = {
    forms.TextInput: TextInput,
    forms.NumberInput: NumberInput,
    forms.HiddenInput: HiddenInput,
    forms.Textarea: Textarea,
    forms.Select: Select,
}


class OnePassForm(forms.Form):
    """A form whose widgets render in one pass each (the add page's time went to templates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.one_pass()

    def one_pass(self) -> None:
        for field in self.fields.values():
            faster = _ONE_PASS.get(type(field.widget))
            if faster is not None:
                widget = faster(attrs=field.widget.attrs)
                widget.choices = getattr(field.widget, "choices", [])  # type: ignore[attr-defined]
                widget.is_required = field.widget.is_required
                field.widget = widget


class IsbnForm(forms.Form):
    isbn = forms.CharField(label=_("ISBN: scan the barcode or type the number"), max_length=40)


_SOURCE_SALT = "cataloguing.source-record"
_ISBN_LIKE = re.compile(r"[0-9][0-9 -]{8,15}[0-9Xx]")


class RecordForm(OnePassForm):
    """A record with its first copy, in one step."""

    isbn = forms.CharField(label=_("ISBN"), max_length=40, required=False)
    title = forms.CharField(label=_("Title"), max_length=1000)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=1000, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=500, required=False)
    publication_year = forms.IntegerField(
        label=_("Year published"), min_value=0, max_value=MAX_YEAR, required=False
    )
    edition = forms.CharField(label=_("Edition"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=language_choices, required=False, widget=Select
    )
    series = forms.CharField(label=_("Series"), max_length=500, required=False)
    subjects = forms.CharField(
        label=_("Subjects, one a line"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    # What the visible fields do not show, kept as it came: identifiers beside the first ISBN,
    # each subject's scheme, how many contributor rows the record needs.
    other_identifiers = forms.CharField(widget=forms.HiddenInput, required=False)
    subject_schemes = forms.CharField(widget=forms.HiddenInput, required=False)
    contributor_rows_count = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The MARC record a source answered, signed: the record saved keeps it and its control
    # number, so its exports say all the source said, the form's edits written over it.
    source_record = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        draft: Draft | None = None,
        isbn: str = "",
        original: RecordData | None = None,
        **kwargs: Any,
    ) -> None:
        if draft is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(draft, isbn=isbn)
        super().__init__(*args, **kwargs)
        if original is not None and original.source_marc:
            kept = {
                "marc": base64.b64encode(original.source_marc).decode("ascii"),
                "title": original.title.strip(),
                "nonfiling": original.nonfiling,
                **{name: getattr(original, name) for name in RECORD_CONTROL},
            }
            self.initial["source_record"] = signing.dumps(kept, salt=_SOURCE_SALT, compress=True)
        source = self.data if self.is_bound else self.initial
        try:
            wanted = int(source.get("contributor_rows_count") or CONTRIBUTOR_ROWS)
        except (TypeError, ValueError):
            wanted = CONTRIBUTOR_ROWS
        self.rows = min(max(wanted, CONTRIBUTOR_ROWS), 100)
        self.initial["contributor_rows_count"] = self.rows
        for i in range(1, self.rows + 1):
            self.fields[f"contributor_{i}"] = forms.CharField(
                label=gettext("Author or contributor %(number)s") % {"number": i},
                max_length=500,
                required=False,
            )
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label=gettext("Role of contributor %(number)s") % {"number": i},
                choices=RecordContributor.Role.choices,
                initial=RecordContributor.Role.AUTHOR,
                widget=Select,
            )
        self.one_pass()
        language = (self.initial.get("language") or "").strip()
        # A new record is in the library's language until the librarian or a source says not.
        if not language and not self.is_bound:
            self.initial["language"] = MARC_FOR_SPOKEN.get(library_language(), "")
        if language and language not in LANGUAGE_CODES:
            self.fields["language"].choices = [*language_choices(), (language, language)]  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(draft: Draft, *, isbn: str = "") -> dict[str, Any]:
        """The form's values for a draft; `isbn` (the one scanned) is the ISBN shown, the
        draft's others kept beside it, else the draft's first."""
        isbns = [i["value"] for i in draft.get("identifiers", []) if i["kind"] == "isbn"]
        if isbn:
            isbns = [isbn, *(value for value in isbns if value != isbn)]
        first = isbns[0] if isbns else None
        others = [
            f"{i['kind']}:{i['value']}"
            for i in draft.get("identifiers", [])
            if not (i["kind"] == "isbn" and i["value"] == first)
        ][:50]
        initial: dict[str, Any] = {
            name: draft.get(name) or ""
            for name in (
                "title",
                "subtitle",
                "publisher",
                "edition",
                "language",
                "series",
                "summary",
            )
        }
        initial["publication_year"] = draft.get("publication_year")
        initial["isbn"] = first or ""
        initial["subjects"] = "\n".join(s["heading"] for s in draft.get("subjects", []))
        initial["other_identifiers"] = "\n".join(others)
        schemes = {s["heading"]: s["scheme"] for s in draft.get("subjects", [])}
        initial["subject_schemes"] = json.dumps(schemes)
        credits = draft.get("contributors", [])
        initial["contributor_rows_count"] = len(credits) + 1
        for i, credit in enumerate(credits, start=1):
            initial[f"contributor_{i}"] = credit["name"]
            initial[f"role_{i}"] = credit["role"]
        return initial

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"]
        # A scanner's digits typed into the title (its Enter then submits the form).
        if _ISBN_LIKE.fullmatch(title.strip()):
            try:
                isbn_normalize(title)
            except InvalidIdentifier:
                return title
            raise forms.ValidationError(
                gettext(
                    "This is an ISBN, not a title: was a barcode scanned into the title? "
                    "Type the book's title."
                )
            )
        return title

    def clean_isbn(self) -> str:
        raw = self.cleaned_data["isbn"].strip()
        if not raw:
            return ""
        try:
            return isbn_normalize(raw)
        except InvalidIdentifier as error:
            raise forms.ValidationError(error.message) from None

    def contributor_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"contributor_{i}"], self[f"role_{i}"]) for i in range(1, self.rows + 1)]

    def record_data(self) -> RecordData:
        data = self.cleaned_data
        identifiers: list[tuple[str, str]] = []
        for line in data["other_identifiers"].splitlines():
            kind, _, value = line.partition(":")
            if kind in ("issn", "lccn", "oclc", "isbn") and value.strip():
                identifiers.append((kind, value.strip()))
        if data["isbn"]:
            identifiers.append(("isbn", data["isbn"]))
        try:
            schemes = json.loads(data["subject_schemes"] or "{}")
        except ValueError:
            schemes = {}
        if not isinstance(schemes, dict):
            schemes = {}
        described = RecordData.of_fields(
            data,
            contributors=[
                (data[f"contributor_{i}"].strip(), data[f"role_{i}"])
                for i in range(1, self.rows + 1)
                if data[f"contributor_{i}"].strip()
            ],
            subjects=[
                (line.strip(), schemes.get(line.strip(), SUBJECT_SCHEME_DEFAULT))
                for line in data["subjects"].splitlines()
                if line.strip()
            ],
            identifiers=identifiers,
        )
        return self._source_kept(described)

    def _source_kept(self, described: RecordData) -> RecordData:
        """The record described, with the control number and MARC of the source it came from
        (if any): a MARC export writes the parts described otherwise over the source's fields
        (catalog.imports.formats.marc_kept), and keeps the others as the source gave them."""
        try:
            kept = signing.loads(self.cleaned_data["source_record"], salt=_SOURCE_SALT)
        except signing.BadSignature:
            return described
        # The source's non-filing characters hold while its title does, as on any edit.
        same_title = described.title.strip() == kept["title"]
        return replace(
            described,
            **{name: kept[name] for name in RECORD_CONTROL},
            source_marc=base64.b64decode(kept["marc"]),
            nonfiling=kept["nonfiling"] if same_title else 0,
        )

    def record_changes(self) -> dict[str, Any]:
        """What the form shows, as record_patch takes it: what it does not show (the control
        number and its source, the MARC the record came in as) stays as it is."""
        data = self.record_data()
        shown = (*RECORD_DESCRIPTION, "contributors", "subjects", "identifiers")
        return {name: getattr(data, name) for name in shown}


class RecordEditForm(RecordForm):
    """A record of the catalog described anew, with the version it was read at."""

    # Kept as read, even when the page comes back refused: a save from a stale page is
    # refused again until the librarian opens the record as it is now.
    version = forms.IntegerField(widget=HiddenInput, min_value=1, required=False)

    def differences(self, current: Draft) -> list[tuple[str, str, str]]:
        """(label, as saved now, as in this form) for each field shown that differs from the
        record as it is now (the form has been checked)."""
        now = self.initial_from(current)
        mine = self.cleaned_data
        rows = []
        for name in ("isbn", "title", "subtitle", "publisher", "publication_year", "edition",
                     "language", "series", "subjects", "summary"):  # fmt: skip
            before, after = _shown(now.get(name)), _shown(mine.get(name))
            if before != after:
                rows.append((str(self.fields[name].label), before, after))
        credits_now = [(c["name"], c["role"]) for c in current.get("contributors", [])]
        credits_mine = [
            (mine[f"contributor_{i}"].strip(), mine[f"role_{i}"])
            for i in range(1, self.rows + 1)
            if mine[f"contributor_{i}"].strip()
        ]
        if credits_now != credits_mine:
            rows.append((gettext("Authors and other contributors"),
                         _credits(credits_now), _credits(credits_mine)))  # fmt: skip
        return rows


def _credits(credits: list[tuple[str, str]]) -> str:
    return list_joined(credit_shown(name, role) for name, role in credits)


def _shown(value: Any) -> str:
    return "\n".join(line.strip() for line in str(value or "").strip().splitlines())


class ItemForm(OnePassForm):
    """A copy: its barcode, where it is kept, its call number and status."""

    barcode = forms.CharField(label=_("Copy barcode"), max_length=64)
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.all(),
        required=False,
        empty_label=pgettext_lazy("location", "None"),
        widget=Select,
    )
    call_number = forms.CharField(label=_("Call number"), max_length=200, required=False)
    # A new copy is on no hold shelf: only a hold trapped for it puts it there.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in Item.Status.choices if c[0] != Item.Status.ON_HOLD_SHELF],
        initial=Item.Status.AVAILABLE,
        widget=Select,
    )

    @classmethod
    def new(
        cls, *, barcode: str, record_id: int | None = None, location: Location | None = None
    ) -> "ItemForm":
        """A new copy's form with the suggested barcode, which the library's first copy says
        starts its numbering; a record's next copy gets its last copy's call number too."""
        call_number = copy_call_number(record_id) if record_id is not None else ""
        form = cls(initial={"barcode": barcode, "location": location, "call_number": call_number})
        if barcode and not Item.objects.exists():
            form.fields["barcode"].help_text = gettext(
                "The library's first copy: suggested barcodes start at %(start)s and go on "
                "after the highest copy's. If your labels have numbers already, scan the "
                "label instead."
            ) % {"start": BARCODE_START}
        return form

    def item_data(self) -> ItemData:
        data = self.cleaned_data
        location = data["location"]
        return ItemData(
            barcode=data["barcode"],
            location_id=location.pk if location is not None else None,
            call_number=data["call_number"],
            status=data["status"],
        )


class ItemEditForm(ItemForm):
    """A copy of the catalog described anew: all it holds, with the version it was read at."""

    price = forms.DecimalField(label=_("Price"), max_digits=10, decimal_places=2, required=False)
    acquired_on = forms.DateField(
        label=_("Acquired on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Three rows, as the record's summary has: Django's ten made each box as tall as half a
    # phone's screen, the save button two screens down.
    public_note = forms.CharField(
        label=_("Public note"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    staff_note = forms.CharField(
        label=_("Staff note"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    version = forms.IntegerField(widget=HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A copy on the hold shelf keeps that status: only the desk takes it off.
        if item.status == Item.Status.ON_HOLD_SHELF:
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)  # noqa: S101 - declared above
            status.choices = Item.Status.choices

    @classmethod
    def of(cls, item: Item) -> "ItemEditForm":
        """The copy's form as it is stored now."""
        fields = ("barcode", "call_number", "status", "price", "acquired_on", "public_note",
                  "staff_note", "version")  # fmt: skip
        initial = {name: getattr(item, name) for name in fields}
        return cls(initial={**initial, "location": item.location_id}, item=item)

    def item_data(self) -> ItemData:
        data = self.cleaned_data
        return replace(
            super().item_data(),
            price=data["price"],
            acquired_on=data["acquired_on"],
            public_note=data["public_note"],
            staff_note=data["staff_note"],
        )


_COVER_SALT = "cataloguing.cover-offer"


class CoverOfferForm(forms.Form):
    """The cover a source offered with its record, taken with the record when the box is
    ticked. The address travels signed: the server fetches only what a source offered."""

    cover_offer = forms.CharField(widget=HiddenInput, required=False)
    cover_use = forms.BooleanField(required=False)

    @classmethod
    def offering(cls, *, url: str, source: str) -> "CoverOfferForm":
        signed = signing.dumps({"url": url, "source": source}, salt=_COVER_SALT)
        return cls(initial={"cover_offer": signed, "cover_use": True})

    def offer(self) -> dict[str, str] | None:
        """The offer ({"url", "source", and the source's "label"}) if it is genuine, whether or
        not it is taken."""
        raw = (self.data if self.is_bound else self.initial).get("cover_offer") or ""
        try:
            offer = signing.loads(raw, salt=_COVER_SALT, max_age=24 * 3600)
        except signing.BadSignature:
            return None
        if not isinstance(offer, dict) or not offer.get("url"):
            return None
        return {**offer, "label": source_label(str(offer.get("source", "")))}

    def taken(self) -> dict[str, str] | None:
        """The offer, when the librarian kept the box ticked."""
        if not self.is_valid() or not self.cleaned_data["cover_use"]:
            return None
        return self.offer()


class CoverUploadForm(forms.Form):
    picture = forms.FileField(
        label=_("A picture of the cover (JPEG, PNG, WebP or GIF)"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )

    def clean_picture(self) -> Any:
        picture = self.cleaned_data["picture"]
        # Refused before it is read into memory.
        try:
            cover_size_check(picture.size, max_bytes=settings.STACKS_COVER_MAX_BYTES)
        except CoverRefused as error:
            raise forms.ValidationError(error.message) from None
        return picture
