"""create_library prints the site's own address: its scheme (HTTPS in production), its port."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import override_settings

from tenants.models import Library
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("scheme", "port", "schema", "address"),
    [
        ("https", "8443", "gamma", "https://gamma.localhost:8443/"),
        ("http", "", "delta", "http://delta.localhost/"),
    ],
)
def test_create_library_prints_the_sites_scheme_and_port(db, capsys, scheme, port, schema, address):
    with override_settings(STACKS_SITE_SCHEME=scheme, STACKS_SITE_PORT=port):
        call_command(
            "create_library", schema, "--name", schema.title(),
            "--domain", f"{schema}.localhost", "--admin-email", f"head@{schema}.example",
        )  # fmt: skip
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line == f"Created library {schema!r} at {address}"
    assert Library.objects.filter(schema_name=schema).exists()


def _site_scheme(**env: str) -> str:
    """STACKS_SITE_SCHEME as config.settings computes it from this environment alone."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("STACKS_") and k != "DEBUG"}
    code = "from django.conf import settings; print(settings.STACKS_SITE_SCHEME)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings",
             "SECRET_KEY": secrets.token_urlsafe(50), **env},
    )  # fmt: skip
    return result.stdout.strip()


def test_the_site_scheme_follows_https_unless_set():
    assert _site_scheme() == "https"  # production: HTTPS only
    assert _site_scheme(STACKS_HTTPS="false") == "http"
    assert _site_scheme(DEBUG="1") == "http"
    assert _site_scheme(STACKS_SITE_SCHEME="http") == "http"
