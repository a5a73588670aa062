"""Platform work on a real worker: sign-ups are provisioned; suspended libraries get no tasks."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from tenants.models import Library, Signup
from tenants.platform import library_reactivate, library_suspend
from tenants.services import library_drop
from tests.tenants.admin_helpers import confirmation_link
from tests.worker.helpers import wait_for
from worker.tasks import STATISTICS_CACHE_KEY, library_statistics_refresh

pytestmark = pytest.mark.worker


def test_a_sign_up_is_provisioned_by_the_worker(celery_worker_process, live_db):
    client = APIClient(HTTP_HOST="localhost")
    body = {"name": "Omicron Library", "subdomain": "omicron-w", "admin_email": "a@omicron.example"}
    response = client.post("/api/v1/signups/", body, format="json")
    assert response.status_code == 202
    status_url = f"/api/v1/signups/{response.json()['id']}/"
    try:
        token = confirmation_link()["token"]
        confirmed = client.post("/api/v1/signups/confirm/", {"token": token}, format="json")
        assert confirmed.status_code == 202
        finished = wait_for(
            lambda: client.get(status_url).json()["status"] in ("ready", "failed"), timeout=60
        )
        assert finished, celery_worker_process.log()[-2000:]
        assert client.get(status_url).json()["status"] == "ready"
        library = Library.objects.get(schema_name="omicron_w")
        assert [d.domain for d in library.domains.all()] == ["omicron-w.localhost"]
        # The admin may now set a password on the new host (link emailed by the worker).
        assert APIClient(HTTP_HOST="omicron-w.localhost").get("/").status_code == 200
    finally:
        for library in Library.objects.filter(schema_name="omicron_w"):
            library_drop(library=library)
        Signup.objects.filter(subdomain="omicron-w").delete()


def test_no_task_runs_for_a_suspended_library(celery_worker_process, live_library):
    library = live_library.library
    library_suspend(library=library)
    try:
        with schema_context(library.schema_name):
            result = library_statistics_refresh.delay()
        refused = wait_for(
            lambda: (
                f"library {library.schema_name} is suspended" in celery_worker_process.log()
                and result.id in celery_worker_process.log()
            ),
            timeout=60,
        )
        assert refused, celery_worker_process.log()[-2000:]
        with schema_context(library.schema_name):
            assert cache.get(STATISTICS_CACHE_KEY) is None
    finally:
        library_reactivate(library=library)

    # Reactivated, the same task runs.
    with schema_context(library.schema_name):
        library_statistics_refresh.delay()

    def stats():  # type: ignore[no-untyped-def]
        with schema_context(library.schema_name):
            return cache.get(STATISTICS_CACHE_KEY)

    assert wait_for(stats, timeout=60), celery_worker_process.log()[-2000:]
