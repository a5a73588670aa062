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


def _data_field(indicators: bytes, *subfields: tuple[str, str]) -> bytes:
    return indicators + b"".join(SUBFIELD + c.encode() + v.encode() for c, v in subfields)


def marc_record(n: int, rng: random.Random) -> bytes:
    """One ISO 2709 record (UTF-8) with the fields the importer maps, and one copy (852)."""
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6))).capitalize()
    author = f"{rng.choice(_SURNAMES)}, {rng.choice(_GIVEN)}"
    year = rng.randint(1900, 2024)
    fields: list[tuple[str, bytes]] = [
        ("001", f"gen{n:09d}".encode()),
        ("003", b"STACKS"),
        ("008", f"240101s{year}    xxu           000 1 eng d".encode()),
        ("020", _data_field(b"  ", ("a", isbn13(n)))),
        ("100", _data_field(b"1 ", ("a", author))),
        ("245", _data_field(b"10", ("a", title + " /"), ("c", author + "."))),
        ("264", _data_field(b" 1", ("a", "Springfield :"), ("b", "Press,"), ("c", str(year)))),
        ("650", _data_field(b" 0", ("a", rng.choice(_SUBJECTS)), ("x", rng.choice(_WORDS)))),
        ("700", _data_field(b"1 ", ("a", f"{rng.choice(_SURNAMES)}, {rng.choice(_GIVEN)}"))),
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


def marc_generate(out: IO[bytes], count: int, *, start: int = 1, seed: int = 1) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    for n in range(start, start + count):
        out.write(marc_record(n, rng))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    with args.output.open("wb") as out:
        marc_generate(out, args.count)


if __name__ == "__main__":
    main()
