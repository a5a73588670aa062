"""The translation catalogs without GNU gettext: extract, update, check and compile with babel.

python config/messages.py extract   # locale/django.pot from the code and templates, then
                                    # every locale/<code>/LC_MESSAGES/django.po updated
python config/messages.py compile   # every django.po to its django.mo (make install does it)
python config/messages.py check     # what is missing: untranslated messages, unmarked text
python config/messages.py add CODE  # a new language's empty catalog (then settings.LANGUAGES)
"""

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
DOMAIN = "django"
PACKAGES = (
    "api", "catalog", "cataloguing", "circulation", "common", "config", "staff", "tenants",
    "worker",
)  # fmt: skip
TEMPLATE_SUFFIXES = (".html", ".txt")
# Django's translation functions, as babel's extractor counts their arguments.
KEYWORDS: dict[str, object] = {
    "gettext": None, "gettext_lazy": None, "gettext_noop": None, "_": None,
    "ngettext": (1, 2), "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3), "npgettext_lazy": ((1, "c"), 2, 3),
}  # fmt: skip


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if "migrations" in path.parts or "static" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py" or (
                path.suffix in TEMPLATE_SUFFIXES and "templates" in path.parts
            ):
                yield path


def _django() -> None:
    """Django's template lexer needs settings; any will do for reading templates."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True)


def extract() -> Catalog:
    """Every message the code and templates mark, with where each is used."""
    from babel.messages.extract import extract as babel_extract
    from django.utils.translation.template import templatize

    _django()
    catalog = Catalog(project="Stacks", charset="utf-8", fuzzy=False)
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if path.suffix in TEMPLATE_SUFFIXES:
            # Python's tokenizer reads templatize's output; indentation means nothing in it.
            text = "\n".join(
                line.lstrip() for line in templatize(text, origin=str(path)).split("\n")
            )
        found = babel_extract(
            "python",
            io.BytesIO(text.encode("utf-8")),
            keywords=KEYWORDS,  # type: ignore[arg-type]
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        where = str(path.relative_to(ROOT))
        for lineno, message, comments, context in found:
            catalog.add(
                message, locations=[(where, lineno)], auto_comments=comments, context=context
            )
    return catalog


def catalog_paths() -> dict[str, Path]:
    """{language code: its django.po} for every language Stacks ships."""
    return {po.parent.parent.name: po for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


def update() -> None:
    """Write locale/django.pot and bring each language's catalog up to it."""
    template = extract()
    _write(template, LOCALE / f"{DOMAIN}.pot")
    for code, path in catalog_paths().items():
        catalog = read(path)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        _write(catalog, path)
        print(f"{code}: {len(missing(catalog, template))} messages to translate")


def add(code: str) -> Path:
    """An empty catalog for a new language, with the language's plural rule, every message in."""
    path = LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.exists():
        raise SystemExit(f"{path.relative_to(ROOT)} exists already.")
    catalog = Catalog(locale=code, project="Stacks", charset="utf-8", fuzzy=False)
    catalog.update(extract())
    _write(catalog, path)
    return path


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """The template's messages the catalog lacks, leaves empty or marks fuzzy, and its
    translations whose placeholders do not match the message's."""
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found is not None else None
        if isinstance(strings, str):
            strings = (strings,)
        if found is None or found.fuzzy or not strings or not all(strings):
            problems.append(f"not translated: {message.id!r}")
    for found, errors in catalog.check():
        problems.extend(f"{found.id!r}: {error}" for error in errors)
    if str(catalog.locale) == "fr":
        problems.extend(french_typography(catalog))
    return problems


# French sets its high punctuation apart with a space a line never breaks at: a no-break space
# before a colon and inside guillemets, a narrow one before ; ? and !. It writes the typographic
# apostrophe, and one word for an email: "courriel", as the catalog's labels do.
_FRENCH_TYPOGRAPHY = [(" :", "\u00a0:"), ("« ", "«\u00a0"), (" »", "\u00a0»"),
                      (" ;", "\u202f;"), (" ?", "\u202f?"), (" !", "\u202f!"),
                      ("'", "\u2019"), ("e-mail", "courriel"),
                      ("adresse électronique", "adresse de courriel")]  # fmt: skip


def french_typography(catalog: Catalog) -> list[str]:
    """The French translations whose punctuation a line could break before (or after « ), with
    a straight apostrophe, or another word than "courriel" for an email."""
    problems = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for plain, kept in _FRENCH_TYPOGRAPHY:
            if message.id and any(plain in string for string in strings if string):
                problems.append(f"{message.id!r}: write {kept!r} for {plain!r}")
    return problems


# --- Text in templates that no translate tag holds --------------------------------------------

_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<!doctype[^>]*>", re.S | re.I)
_TAG = re.compile(r"<(/?[\w-]+)([^>]*)>", re.S)
_HUMAN_ATTRIBUTE = re.compile(r"\b(placeholder|aria-label|alt|title)=\"([^\"]*)\"", re.I)
_ENTITY = re.compile(r"&#?\w+;")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Where templates say nothing to people: tags, values, blocks of their own.
MARK = "\u00a7"
# Names that read the same in every language.
PROPER_NAMES = frozenset({"Stacks"})


def _skeleton(source: str) -> list[tuple[int, str]]:
    """The template's own text, line by line, with every tag and value made MARK and the
    text inside translate blocks and comments left out."""
    from django.template.base import Lexer, TokenType

    _django()
    lines: list[tuple[int, str]] = []
    skipping: str | None = None
    for token in Lexer(source).tokenize():
        lineno = token.lineno or 1
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0]
            if skipping and name == skipping:
                skipping = None
            elif name in ("blocktranslate", "blocktrans"):
                skipping = "end" + name
            elif name == "comment":
                skipping = "endcomment"
            if not skipping:
                lines.append((lineno, MARK))
        elif token.token_type == TokenType.VAR and not skipping:
            lines.append((lineno, MARK))
        elif token.token_type == TokenType.TEXT and not skipping:
            parts = token.contents.split("\n")
            for offset, part in enumerate(parts):
                end = "" if offset == len(parts) - 1 else "\n"
                lines.append((lineno + offset, part + end))
    return lines


def _has_words(text: str) -> bool:
    return any(word not in PROPER_NAMES for word in _WORD.findall(_ENTITY.sub(" ", text)))


def unmarked_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of each stretch of words a template shows people outside a translate tag:
    element text and the placeholder, aria-label, alt and title attributes."""
    pieces = _skeleton(source)
    joined = "".join(text for _, text in pieces)
    starts, offset = [], 0
    for lineno, text in pieces:
        starts.append((offset, lineno))
        offset += len(text)

    def line_at(position: int) -> int:
        return max((lineno for start, lineno in starts if start <= position), default=1)

    joined = _HIDDEN.sub(lambda m: " " * len(m.group(0)), joined)
    found: list[tuple[int, str]] = []
    for tag in _TAG.finditer(joined):
        if tag.group(1).lower() == "link":
            continue
        for attribute in _HUMAN_ATTRIBUTE.finditer(tag.group(2)):
            if _has_words(attribute.group(2)):
                found.append((line_at(tag.start()), attribute.group(2)))
    text = _TAG.sub(lambda m: MARK * len(m.group(0)), joined)
    for stretch in re.finditer(r"[^" + MARK + r"\n]+", text):
        if _has_words(stretch.group(0)):
            found.append((line_at(stretch.start()), stretch.group(0).strip()))
    return found


def template_paths() -> list[Path]:
    return [path for path in _sources() if path.suffix in TEMPLATE_SUFFIXES]


def check() -> list[str]:
    """Everything that keeps the translations whole, in words; empty when all is well."""
    problems = []
    for path in template_paths():
        for lineno, text in unmarked_text(path.read_text(encoding="utf-8")):
            problems.append(
                f"{path.relative_to(ROOT)}:{lineno}: not marked for translation: {text!r}"
            )
    template = extract()
    for path in catalog_paths().values():
        problems.extend(
            f"{path.relative_to(ROOT)}: {problem}" for problem in missing(read(path), template)
        )
    return problems


def compile_all() -> None:
    """Every django.po to its django.mo, beside it (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo

    for path in catalog_paths().values():
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, read(path), use_fuzzy=False)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "extract":
        update()
    elif command == "add" and len(argv) == 3:
        print(f"{add(argv[2]).relative_to(ROOT)}: translate it, then add {argv[2]!r} to LANGUAGES")
    elif command == "compile":
        compile_all()
    elif command == "check":
        problems = check()
        print("\n".join(problems) or "The translations are whole.")
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
