"""A right-to-left name in a desk line, laid out by Chromium: the card number after it stays
after it on screen, as the sentence says, rather than being drawn into the name's direction."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Record
from circulation.models import Hold, Patron
from circulation.notices import notices_send
from circulation.services import loan_checkin, loan_checkout
from tests.browser.conftest import chromium_page
from tests.circulation.conftest import Desk, desk, librarian  # noqa: F401 - the fixtures
from tests.circulation.test_desk_pages import scan

pytestmark = pytest.mark.browser

NAME = "سارة أحمد"
CARD = "40012"

# The box of the first text node in `selector` holding `text`, and of `text` itself.
BOX_OF = """([selector, text]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    const box = range.getBoundingClientRect();
    return {left: box.left, right: box.right};
  }
  return null;
}"""


def test_the_card_number_stays_after_a_right_to_left_name(
    librarian: Client,  # noqa: F811 - the fixture
    desk: Desk,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(name=NAME, barcode=CARD)
    html = scan(librarian, CARD)
    with chromium_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        page.set_content(html, wait_until="domcontentloaded")
        line = "#lines li"
        assert page.inner_text(line) == f"Lending to {NAME} ({CARD})."
        name = page.evaluate(BOX_OF, [line, NAME])
        card = page.evaluate(BOX_OF, [line, CARD])
        lending = page.evaluate(BOX_OF, [line, "Lending to"])
    # Left to right, as the sentence reads: "Lending to", the name, then its card number.
    assert lending["right"] <= name["left"] + 1
    assert name["right"] <= card["left"] + 1


TITLE = "ألف ليلة وليلة"

# A plain-text mail as mail readers lay it out: each paragraph takes its direction from its
# first strong letter, as the Unicode bidirectional algorithm says (and Chromium with
# `unicode-bidi: plaintext` does).
MAIL = '<pre id="mail" style="unicode-bidi: plaintext; font-size: 16px"></pre>'


def test_a_hold_notice_reads_left_to_right_after_a_right_to_left_title(
    desk: Desk,  # noqa: F811 - the fixture
    mailoutbox: list[Any],
    tmp_path: Path,
) -> None:
    with schema_context(desk.schema):
        Record.objects.filter(pk=desk.record.pk).update(title=TITLE)
        loan_checkout(item_barcode=desk.item.barcode, patron_barcode=desk.patron.barcode)
        Hold.objects.create(record=desk.record, patron=desk.other_patron)
        loan_checkin(item_barcode=desk.item.barcode)
        assert notices_send() == 1
    body = mailoutbox[0].body
    with chromium_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        page.set_content(MAIL, wait_until="domcontentloaded")
        page.eval_on_selector("#mail", "(pre, text) => { pre.textContent = text; }", body)
        title = page.evaluate(BOX_OF, ["#mail", TITLE])
        rest = page.evaluate(BOX_OF, ["#mail", "is on the hold shelf for you"])
    # Left to right, as the English sentence reads: the title, then what it says of it.
    assert title["right"] <= rest["left"] + 1
