"""Whole numbers in a query string: one rule for every integer parameter, the page size too."""

import re

from django.utils.translation import gettext as _

# ASCII digits, with a sign at most: int() and DRF also read " 20", "2_0" or other scripts'
# digits, and DRF "20.0", so without this rule one parameter took what another refused.
_WHOLE = re.compile(r"[-+]?[0-9]+")


def query_whole(text: str) -> int | None:
    """The whole number a query parameter's text gives, or None when it is not one."""
    return int(text) if _WHOLE.fullmatch(text) else None


def query_not_whole_message(text: str) -> str:
    """What an integer parameter given anything but digits says, quoting what was sent."""
    return _('Give a whole number written with digits only, such as 20; not "%(given)s".') % {
        "given": text[:40]
    }
