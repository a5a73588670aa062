"""What sign-up says with a number reads in that number: one minute to wait, one hour for the
confirmation link, in English and in French."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tenants.models import Signup

PLATFORM = "localhost"


def _body(subdomain: str) -> dict[str, str]:
    return {"name": f"Library {subdomain}", "subdomain": subdomain,
            "admin_email": f"head@{subdomain}.example"}  # fmt: skip


@pytest.mark.parametrize(
    ("language", "minute", "minutes"),
    [("en", "try again in 1 minute.", "try again in 2 minutes."),
     ("fr", "réessayez dans 1 minute.", "réessayez dans 2 minutes.")],
)  # fmt: skip
def test_a_paused_sign_up_says_one_minute_in_the_singular(
    db, settings, language, minute, minutes
) -> None:
    settings.STACKS_SIGNUPS_PER_HOUR = 1
    browser = Client(HTTP_HOST=PLATFORM, HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR="192.0.2.60")
    assert browser.post("/signup/", _body("lambda")).status_code == 302
    signup = Signup.objects.get()

    waits = {}
    for late in (timedelta(minutes=59, seconds=30), timedelta(minutes=58, seconds=30)):
        Signup.objects.filter(pk=signup.pk).update(created_at=timezone.now() - late)
        refused = browser.post("/signup/", _body("omicron"))
        assert refused.status_code == 429
        waits[late] = refused.content.decode()

    assert minute in waits[timedelta(minutes=59, seconds=30)]
    assert minutes in waits[timedelta(minutes=58, seconds=30)]
    assert Signup.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "one_hour"),
    [("en", "(the link works for 1 hour):"), ("fr", "(le lien fonctionne 1 heure)\u00a0:")],
)
def test_a_confirmation_link_good_for_one_hour_says_so_in_the_singular(
    db, settings, django_capture_on_commit_callbacks, language, one_hour
) -> None:
    settings.STACKS_SIGNUP_CONFIRM_HOURS = 1
    browser = Client(HTTP_HOST=PLATFORM, HTTP_ACCEPT_LANGUAGE=language)
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/signup/", _body("lambda")).status_code == 302

    assert one_hour in mail.outbox[-1].body
