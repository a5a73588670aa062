"""A library signed up in Chromium starts in the browser's time zone, read by the sign-up
page's script file under the platform's Content-Security-Policy."""

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from tenants.models import Signup
from tests.browser.conftest import Shots, Stack, chromium_page

pytestmark = pytest.mark.browser


@pytest.fixture
def subdomain(live_db: None) -> Iterator[str]:
    """The address signed up under; its sign-up (never confirmed) is deleted afterwards."""
    name = f"tz{os.urandom(3).hex()}"
    yield name
    connection.set_schema_to_public()
    Signup.objects.filter(subdomain=name).delete()


def test_the_sign_up_form_sends_the_browsers_time_zone(stack: Stack, subdomain: str, tmp_path):  # type: ignore[no-untyped-def]
    # Toronto fits no language's guess (English alone would start in UTC).
    with chromium_page(
        tmp_path / "chromium-profile", timezone_id="America/Toronto", locale="en-CA"
    ) as page:
        shot = Shots(page, "signup_time_zone")
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(stack.url("localhost", "/signup/"))
        page.fill("#id_name", "Zone Test Library")
        page.fill("#id_subdomain", subdomain)
        page.fill("#id_admin_email", f"head@{subdomain}.example")
        assert page.input_value("#id_time_zone") == "America/Toronto"
        shot("signup-form")
        page.click("button[type=submit]")
        page.wait_for_selector('[data-status="unconfirmed"]')
        assert errors == []  # no script refused by the policy
    connection.set_schema_to_public()
    assert Signup.objects.get(subdomain=subdomain).time_zone == "America/Toronto"
