"""Response headers: Content-Security-Policy everywhere, HSTS by host, safe download names."""

import os
import re
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils.http import content_disposition_header
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from catalog.imports.models import ImportJob
from staff.services import api_key_create
from tenants.models import Domain
from tests.catalog.imports.helpers import job_run
from tests.conftest import LIBRARY_HOST, ROOT
from tests.tenants.admin_helpers import signed_in

PLATFORM = "localhost"
CUSTOM_HOST = "catalog.alpha-town.example"
SCRIPT_RE = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# Data blocks are not scripts a browser runs; CSP does not apply to them.
DATA_TYPES = ('type="application/ld+json"', 'type="application/json"')


def _inline_scripts(html: str) -> list[str]:
    return [
        attrs for attrs in SCRIPT_RE.findall(html)
        if "src=" not in attrs and not any(t in attrs for t in DATA_TYPES)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "path"),
    [
        (LIBRARY_HOST, "/"),
        (LIBRARY_HOST, "/search/?q=dune"),
        (LIBRARY_HOST, "/staff/login/"),
        (LIBRARY_HOST, "/admin/login/"),
        (LIBRARY_HOST, "/api/v1/docs/"),
        (LIBRARY_HOST, "/api/v1/"),
        (PLATFORM, "/"),
        (PLATFORM, "/login/"),
        (PLATFORM, "/signup/"),
    ],
)
def test_every_page_has_a_policy_without_inline_scripts(library, host, path):
    response = Client(HTTP_HOST=host).get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, path
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    # Scripts only from the site itself; WebAssembly may compile, JavaScript may not be eval'd.
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert _inline_scripts(response.content.decode()) == []


def test_swagger_ui_loads_its_setup_as_a_script_file(library):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    page = client.get("/api/v1/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    setup = [s for s in sources if "script" in s and "/api/v1/docs/" in s]
    assert setup, sources
    script = client.get(setup[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_carries_an_inline_script():
    found = []
    for package in ("catalog", "tenants", "api", "staff", "config"):
        for path in (ROOT / package).rglob("*.html"):
            if _inline_scripts(path.read_text()):
                found.append(str(path.relative_to(ROOT)))
    assert found == []


HSTS = {"SECURE_HSTS_SECONDS": 3600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True}


@override_settings(**HSTS, SECURE_HSTS_PRELOAD=False)
def test_hsts_on_platform_hosts_covers_subdomains_without_preload(library):
    for host in (LIBRARY_HOST, PLATFORM):
        response = Client(HTTP_HOST=host).get("/", secure=True)
        assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


@override_settings(**HSTS, SECURE_HSTS_PRELOAD=True)
def test_a_custom_domain_never_gets_subdomains_or_preload(library):
    with schema_context("public"):
        Domain.objects.create(domain=CUSTOM_HOST, tenant=library, is_primary=False)
    custom = Client(HTTP_HOST=CUSTOM_HOST).get("/", secure=True)
    assert custom.status_code == 200
    assert custom["Strict-Transport-Security"] == "max-age=3600"
    platform = Client(HTTP_HOST=LIBRARY_HOST).get("/", secure=True)
    assert platform["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"


def _production_setting(name: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "STACKS_HTTPS")}
    result = subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print(s.{name})"],
        cwd=ROOT, env={**base, "SECRET_KEY": "x" * 50, **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_preload_is_off_unless_configured():
    assert _production_setting("SECURE_HSTS_PRELOAD") == "False"
    assert _production_setting("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="true") == "True"


EVIL_NAME = 'books"; filename=evil.html; x=".csv'
UNICODE_NAME = "bücher ü.csv"


@pytest.fixture
def rejected_job(library) -> ImportJob:  # type: ignore[no-untyped-def]
    client = APIClient(HTTP_HOST=LIBRARY_HOST)
    with schema_context("alpha"):
        secret = api_key_create(name="headers", scope="write").secret
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    upload = SimpleUploadedFile("books.csv", b"title,isbn\n,0441172717\n")
    response = client.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    with schema_context("alpha"):
        job = ImportJob.objects.get(pk=response.json()["id"])
        job_run(job)
        job.refresh_from_db()
        assert job.rejected == 1
    return job


@pytest.mark.parametrize("name", [EVIL_NAME, UNICODE_NAME])
def test_rejects_downloads_name_the_file_safely(rejected_job, name):
    with schema_context("alpha"):
        ImportJob.objects.filter(pk=rejected_job.pk).update(file_name=name)
    stem = name.rsplit(".", 1)[0]
    expected = content_disposition_header(True, f"{stem}-rejects.csv")
    with schema_context("alpha"):
        secret = api_key_create(name="headers read", scope="read").secret
    api = APIClient(HTTP_HOST=LIBRARY_HOST, HTTP_AUTHORIZATION=f"Api-Key {secret}")
    from_api = api.get(f"/api/v1/imports/{rejected_job.pk}/rejects/")
    page = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    from_page = page.get(f"/staff/imports/{rejected_job.pk}/rejects/")
    for response in (from_api, from_page):
        assert response.status_code == 200
        assert response["Content-Disposition"] == expected


@pytest.mark.parametrize("host", [LIBRARY_HOST, "localhost"])
def test_the_site_icon_is_served_on_every_host(library, host):
    """Browsers ask every host for /favicon.ico: a small icon, not a 404 in every log."""
    response = Client(HTTP_HOST=host).get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    icon = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert len(icon) < 10_000
