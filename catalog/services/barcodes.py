"""Barcodes the library gives out, whoever holds them: a barcode is a copy's or a card's, not both.

The circulation desk scans one barcode and tells a copy from a patron's card by it alone, so a
barcode one kind of holder has is refused to every other. The catalog registers its copies and
circulation its patrons (the catalog knows nothing of patrons); every write of a barcode, from
the staff pages, the API or an import, asks the holders of the other kinds.
"""

from collections.abc import Callable, Collection

# The sentence saying who holds each of these barcodes (for those held), such as "It is a
# patron's card.": the refusal shows it to whoever gave the barcode.
BarcodeHolders = Callable[[Collection[str]], dict[str, str]]
_HOLDERS: dict[str, BarcodeHolders] = {}


def barcode_holders_register(kind: str, holders: BarcodeHolders) -> None:
    """Have every write of a barcode by another kind of holder than `kind` ask `holders`."""
    _HOLDERS[kind] = holders


def barcodes_held(barcodes: Collection[str], *, asking: str) -> dict[str, str]:
    """Which of these barcodes a holder of another kind than `asking` has, and who it is."""
    held: dict[str, str] = {}
    if not barcodes:
        return held
    for kind, holders in _HOLDERS.items():
        if kind != asking:
            for barcode, holder in holders(barcodes).items():
                held.setdefault(barcode, holder)
    return held
