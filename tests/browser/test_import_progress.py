"""A running import's page in Chromium, in French: the progress its script reads from the API
is said in the page's language, as the page first said it."""

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from tenants.services import ProvisionedLibrary
from tests.browser.conftest import Stack

pytestmark = pytest.mark.browser


@pytest.fixture
def job(live_library: ProvisionedLibrary) -> ImportJob:
    """A job being read that no worker runs: the API's answers about it are the test's own
    (made before the browser opens)."""
    with schema_context(live_library.library.schema_name):
        return ImportJob.objects.create(
            format="marc", file_name="catalogue.mrc", status=ImportJob.Status.STAGING
        )


def test_a_running_import_s_progress_stays_in_the_page_s_language(  # type: ignore[no-untyped-def]
    stack: Stack, live_library: ProvisionedLibrary, job: ImportJob, page
):
    with translation.override("fr"):
        expected = "{}, {}".format(
            ImportJob.Status.STAGING.label, gettext("about %(seconds)s s left") % {"seconds": 12}
        )
    progress = {"id": job.pk, "status": "staging", "progress": 0.5, "seconds_left": 12}
    page.route(
        f"**/api/v1/imports/{job.pk}/",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(progress)
        ),
    )
    host = live_library.domain.domain
    stack.admin_sign_in(page, live_library, "/staff/")
    page.goto(stack.url(host, "/language/?language=fr&next=/staff/"))
    page.goto(stack.url(host, f"/staff/imports/{job.pk}/"))
    page.wait_for_function(
        "() => document.getElementById('import-progress').value === 50", timeout=10_000
    )
    assert page.inner_text("#import-status") == expected
