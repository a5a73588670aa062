"""A patron's own sign-in: barcode and PIN (with a cap on wrong guesses), or a link by email."""

from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext

from circulation.models import Patron
from circulation.services import patron_authenticate
from common.emails import library_mail_send
from common.errors import ApplicationError
from common.language import library_name

LINK_SALT = "circulation.patron-link"
LINK_SECONDS = 30 * 60
# Wrong PINs allowed for one barcode within the window, then sign-in waits: a PIN is short.
PIN_ATTEMPTS = 5
PIN_WINDOW_SECONDS = 15 * 60


class TooManyAttempts(ApplicationError):
    status_code = 429
    code = "too_many_attempts"


def _attempts_key(barcode: str) -> str:
    # The cache's key function adds the library's schema. A card is read in any case, so its
    # wrong guesses are counted in any case too.
    return f"circulation:pin-attempts:{barcode.lower()}"


def patron_sign_in(*, barcode: str, pin: str) -> Patron:
    barcode = barcode.strip()[:64]
    key = _attempts_key(barcode)
    if (cache.get(key) or 0) >= PIN_ATTEMPTS:
        raise TooManyAttempts(
            gettext("Too many wrong PINs for this card: try again in 15 minutes.")
        )
    patron = patron_authenticate(barcode=barcode, pin=pin)
    if patron is None:
        cache.add(key, 0, PIN_WINDOW_SECONDS)
        cache.incr(key)
        raise ApplicationError(gettext("That card number and PIN do not match."), code="wrong_pin")
    cache.delete(key)
    return patron


def patron_sign_in_link_send(*, email: str, base_url: str, next_path: str = "/account/") -> None:
    """Mail a sign-in link to the patron with this address, if there is one (the answer is
    the same either way, so the form tells nobody who is a patron). The link leads on to
    `next_path` (a path on the library's host), so a reader who was placing a hold goes back
    to it."""
    patron = Patron.objects.filter(email__iexact=email.strip()).exclude(email="").first()
    if patron is None:
        return
    token = signing.dumps({"patron": patron.pk}, salt=LINK_SALT)
    name = library_name()
    library_mail_send(
        subject=gettext("Your account at %(library)s") % {"library": name}
        if name
        else gettext("Your library account"),
        body=gettext("Sign in to see your loans and holds (the link works for 30 minutes):")
        + f"\n\n{base_url}/account/link/{token}/{_next_query(next_path)}\n",
        to=[patron.email],
    )


def _next_query(next_path: str) -> str:
    if next_path == "/account/":
        return ""
    return "?" + urlencode({"next": next_path})


def patron_from_link(*, token: str) -> Patron | None:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_SECONDS)
    except signing.BadSignature:
        return None
    return Patron.objects.filter(pk=data.get("patron")).first()
