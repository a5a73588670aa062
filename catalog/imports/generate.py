"""Synthetic MARC 21 records for benchmarks and tests: `python -m catalog.imports.generate`."""

import argparse
import random
from pathlib import Path
from typing import IO

FIELD_TERMINATOR = b"\x1e"
SUBFIELD = b"\x1f"
RECORD_TERMINATOR = b"\x1d"
_WORDS = (
    "river",
    "night",
    "garden",
    "stone",
    "winter",
    "light",
    "house",
    "road",
    "letters",
    "history",
    "city",
    "sea",
    "silence",
    "children",
    "war",
    "music",
    "island",
    "mountain",
    "memory",
    "journey",
    "time",
    "fire",
    "glass",
    "bird",
    "story",
)
_SURNAMES = (
    "Smith",
    "Garcia",
    "Okafor",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Larsen",
    "Moreau",
    "Tanaka",
    "Silva",
)
_GIVEN = (
    "Ana",
    "Ben",
    "Chidi",
    "Dana",
    "Emil",
    "Farah",
    "Goran",
    "Hana",
    "Ivan",
    "Julia",
)
_SUBJECTS = (
    "Fiction",
    "Poetry",
    "History",
    "Science",
    "Travel",
    "Art",
    "Music",
    "Philosophy",
    "Cooking",
    "Law",
)


def isbn13(n: int) -> str:
    body = f"978{n % 10**9:09d}"
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


# French and German words as catalogues write them: accents, apostrophes inside words and
# umlauts, for the figures of a catalog that is not in English.
_WORDS_ACCENTED = (
    "l'été", "rivière", "nuit", "château", "d'hiver", "lumière", "maison", "élève", "forêt",
    "mémoire", "voyage", "l'île", "Märchen", "Brüder", "Schöne", "Größe", "Bücher", "Straße",
    "öffentliche", "Geschichte", "Übersetzung", "naïve", "cœur", "garçon", "où",
)  # fmt: skip
_SURNAMES_ACCENTED = (
    "Müller", "Lévi-Strauss", "O'Brien", "Dupré", "Schröder", "Łukasiewicz", "García Márquez",
    "Nøstlinger", "d'Alembert", "Böll",
)  # fmt: skip
_GIVEN_ACCENTED = (
    "Agnès", "Jürgen", "Émile", "Günter", "Hélène", "José", "Zoë", "François", "Jörg", "Inès",
)  # fmt: skip


def _data_field(indicators: bytes, *subfields: tuple[str, str]) -> bytes:
    return indicators + b"".join(SUBFIELD + c.encode() + v.encode() for c, v in subfields)


def marc_record(n: int, rng: random.Random, *, accented: bool = False) -> bytes:
    """One ISO 2709 record (UTF-8) with the fields the importer maps, and one copy (852); with
    `accented`, its words, names and subjects' subdivisions are French and German ones."""
    words, surnames, given = (
        (_WORDS_ACCENTED, _SURNAMES_ACCENTED, _GIVEN_ACCENTED)
        if accented
        else (_WORDS, _SURNAMES, _GIVEN)
    )
    title = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6))).capitalize()
    author = f"{rng.choice(surnames)}, {rng.choice(given)}"
    year = rng.randint(1900, 2024)
    fields: list[tuple[str, bytes]] = [
        ("001", f"gen{n:09d}".encode()),
        ("003", b"STACKS"),
        ("008", f"240101s{year}    xxu           000 1 eng d".encode()),
        ("020", _data_field(b"  ", ("a", isbn13(n)))),
        ("100", _data_field(b"1 ", ("a", author))),
        ("245", _data_field(b"10", ("a", title + " /"), ("c", author + "."))),
        ("264", _data_field(b" 1", ("a", "Springfield :"), ("b", "Press,"), ("c", str(year)))),
        ("650", _data_field(b" 0", ("a", rng.choice(_SUBJECTS)), ("x", rng.choice(words)))),
        ("700", _data_field(b"1 ", ("a", f"{rng.choice(surnames)}, {rng.choice(given)}"))),
        ("852", _data_field(b"  ", ("b", "MAIN"), ("h", f"{n % 1000:03d}"), ("p", f"B{n:09d}"))),
    ]  # fmt: skip
    directory = b""
    body = b""
    for tag, data in fields:
        data += FIELD_TERMINATOR
        directory += tag.encode() + f"{len(data):04d}{len(body):05d}".encode()
        body += data
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = f"{length:05d}nam a22{base:05d} i 4500".encode()
    return leader + directory + FIELD_TERMINATOR + body + RECORD_TERMINATOR


def marc_generate(
    out: IO[bytes], count: int, *, start: int = 1, seed: int = 1, accented: bool = False
) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    for n in range(start, start + count):
        out.write(marc_record(n, rng, accented=accented))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--accented", action="store_true", help="French and German words")
    args = parser.parse_args()
    with args.output.open("wb") as out:
        marc_generate(out, args.count, accented=args.accented)


if __name__ == "__main__":
    main()
