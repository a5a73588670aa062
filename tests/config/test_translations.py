"""The translations are whole: every template string is marked, every catalog has every
message (config/messages.py check, the same check `python config/messages.py check` prints)."""

import pytest
from django.utils import translation

from config import messages


def test_every_template_string_is_marked_and_every_catalog_is_complete():
    problems = messages.check()
    assert problems == [], "\n".join(
        ["Run `make messages`, mark or translate what is listed:", *problems]
    )


def test_the_check_finds_unmarked_text_and_missing_messages():
    template = (
        '{% load i18n %}<h1>{% translate "Copies" %}</h1>\n'
        '<p title="Due back soon">Plain words</p>{{ value }}\n'
        "{% blocktranslate %}Held for {{ name }}{% endblocktranslate %}<style>p { x: y }</style>"
    )
    assert messages.unmarked_text(template) == [(2, "Due back soon"), (2, "Plain words")]
    catalog = messages.read(messages.catalog_paths()["fr"])
    template_catalog = messages.extract()
    template_catalog.add("A message no catalog has yet")
    assert messages.missing(catalog, template_catalog) == [
        "not translated: 'A message no catalog has yet'"
    ]


def test_the_check_finds_french_punctuation_a_line_could_break_before():
    catalog = messages.read(messages.catalog_paths()["fr"])
    catalog.add("Due: %(date)s", "\u00c0 rendre : %(date)s")
    catalog.add("Sure?", "Vraiment\u202f?")

    assert messages.french_typography(catalog) == ["'Due: %(date)s': write '\\xa0:' for ' :'"]


def test_the_check_finds_straight_apostrophes_and_other_words_for_email_in_french():
    catalog = messages.read(messages.catalog_paths()["fr"])
    catalog.add("Sign in by email", "Connexion par e-mail")
    catalog.add("Email address", "Adresse de courriel")
    catalog.add("It's done.", "C'est fait.")

    assert messages.french_typography(catalog) == [
        "'Sign in by email': write 'courriel' for 'e-mail'",
        "\"It's done.\": write '\u2019' for \"'\"",
    ]


def test_every_shipped_language_has_a_catalog():
    from django.conf import settings

    shipped = {code for code, _ in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
    assert set(messages.catalog_paths()) == shipped


@pytest.mark.parametrize(
    ("language", "call_number", "one", "three"),
    [("fr", "Cote", "1 bibliothèque", "3 bibliothèques"),
     ("de", "Signatur", "1 Bibliothek", "3 Bibliotheken"),
     ("es", "Signatura", "1 biblioteca", "3 bibliotecas")],
)  # fmt: skip
def test_compiled_catalogs_are_in_use(language, call_number, one, three):
    """The .mo files make install writes are the ones Django reads, with each language's
    plural rule (else: run make install)."""
    with translation.override(language):
        assert translation.gettext("Call number") == call_number
        for count, expected in ((1, one), (3, three)):
            text = translation.ngettext("%(count)s library", "%(count)s libraries", count)
            assert text % {"count": count} == expected


# A library's borrower has one name in each language: a message calling them something else
# reads as if it were about another kind of person (in French, "lecteur" is also the role that
# only looks).
PATRON_WORDS = {"fr": ("usager", "usagère"), "es": ("lector",)}


@pytest.mark.parametrize("language", sorted(PATRON_WORDS))
def test_a_patron_is_called_by_one_name(language):
    catalog = messages.read(messages.catalog_paths()[language])
    others = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any("patron" in text.lower() for text in ids):
            continue
        if not all(any(w in s.lower() for w in PATRON_WORDS[language]) for s in strings if s):
            others.append(f"{ids[0]!r}: {strings[0]!r}")
    assert others == []


# Words a translation must not use for what the English message says: one thing, one word
# ("Datensatz" for a record in German), a person as a person, no jargon the reader must guess.
WRONG_WORDS = [
    ("de", "record", "Titelsatz"),
    ("de", "record", "Titelsätze"),
    ("de", "record", "Aufnahme"),
    ("de", "admin", "erste Administration"),
    ("de", "admin", "erster Administration"),
    ("de", "admin", "aktive Administration"),
    ("de", "its admin", "ihre Administration"),
    ("de", "worker", "Worker"),
    ("fr", "worker", "processus"),
    ("es", "worker", "proceso"),
    ("de", "is at", "steht unter"),
]


@pytest.mark.parametrize(("language", "said", "wrong"), WRONG_WORDS)
def test_a_thing_is_called_by_its_one_plain_word(language, said, wrong):
    catalog = messages.read(messages.catalog_paths()[language])
    found = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(said in text.lower() for text in ids if text) and any(
            wrong in s for s in strings if s
        ):
            found.append(f"{ids[0]!r}: {strings[0]!r}")
    assert found == []
