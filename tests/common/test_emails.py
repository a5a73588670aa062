"""Email addresses: what forms, patron files and commands accept."""

import pytest

from common.emails import is_email_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reader@example.org", True),
        ("Ada.Lovelace+books@library.example", True),
        ("", False),
        ("reader", False),
        ("reader@", False),
        ("reader@example", False),
        ("two words@example.org", False),
    ],
)
def test_is_email_address(text, expected):
    assert is_email_address(text) is expected
