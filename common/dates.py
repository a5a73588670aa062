"""How a date or date-and-time field says which forms it takes, in the page's language."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.formats import get_format
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext, pgettext

from common.language import quoted

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Shown first: the form a field shows its value in (ISO 8601, as the API writes them).
ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%d %H:%M"
# Day, month and year between dots: read one way only (no language writes month.day.year),
# so taken from a file in any language, as German spreadsheets write dates.
DOTTED_DATE = "%d.%m.%Y"


def input_forms_hint(*settings: str, first: str, also: tuple[str, ...] = ()) -> str:
    """The forms a field reads with the page's language's `settings` (DATE_INPUT_FORMATS...),
    `first` first, as its reader writes them: "Write it as AAAA-MM-JJ, JJ/MM/AAAA or JJ/MM/AA."
    on a French page. Seconds, which every form may leave out, are not shown."""
    letters = {
        "%Y": pgettext("a date's letters", "YYYY"), "%y": pgettext("a date's letters", "YY"),
        "%m": pgettext("a date's letters", "MM"), "%d": pgettext("a date's letters", "DD"),
        "%H": pgettext("a time's letters", "HH"), "%M": pgettext("a time's letters", "MM"),
    }  # fmt: skip
    taken = [f for name in settings for f in get_format(name) if "%S" not in f]
    formats = list(dict.fromkeys([first, *taken, *also]))
    worded = [f for f in formats if "%b" in f or "%B" in f]
    named = [f for f in formats if f not in worded]
    for code, word in letters.items():
        named = [f.replace(code, word) for f in named]
    if worded:
        example = date(2027, 6, 30).strftime(worded[0])
        named.append(gettext("the month in words, as in %(example)s") % {"example": example})
    return gettext("Write it as %(forms)s.") % {"forms": get_text_list(named, gettext("or"))}


def date_input_hint() -> str:
    """The forms a date field takes in the page's language (date_read's)."""
    return input_forms_hint("DATE_INPUT_FORMATS", first=ISO_DATE, also=(DOTTED_DATE,))


def datetime_input_hint() -> str:
    """The forms a date-and-time field takes in the page's language: a day alone is its
    midnight, as Django's DateTimeField reads it."""
    return input_forms_hint("DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS", first=ISO_DATETIME)


def date_read(text: str) -> date:
    """`text` as a date field (date_field) reads it in the active language: ISO 8601 or one of
    the language's forms ("31/12/2027" in Spanish), and day.month.year with dots in any
    language. ValueError if it reads as no date; its message says the forms taken."""
    try:
        read = forms.DateField().to_python(text)
    except forms.ValidationError:
        read = None
    if read is None:
        try:
            read = datetime.strptime(text.strip(), DOTTED_DATE).date()  # noqa: DTZ007 - a day
        except ValueError:
            raise ValueError(date_input_hint()) from None
    return read


class _DateReadField(forms.DateField):
    """A date field that reads what it is sent as a patron file's dates are read (date_read),
    and refuses what reads as no date naming the forms it takes."""

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date_read(str(value))
        except ValueError as exc:
            message = gettext("%(value)s is not a date. %(forms)s") % {
                "value": quoted(str(value)),
                "forms": exc,
            }
            raise forms.ValidationError(message, code="invalid") from None


def date_field(label: "StrOrPromise", **kwargs: Any) -> forms.DateField:
    """A date field that shows its date as ISO 8601 whatever the page's language, takes the
    forms a patron file's dates may have (date_read: those of the page's language too), and
    says which."""
    return _DateReadField(
        label=label,
        widget=forms.DateInput(format=ISO_DATE),
        help_text=lazy(date_input_hint, str)(),
        **kwargs,
    )
