"""Host lookups: answered from the process's memory for STACKS_HOST_CACHE_SECONDS, forgotten
at once here when a domain or library changes."""

import time
from collections import defaultdict

import redis
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from common import readers
from tenants import domains
from tenants.administration import library_settings_update
from tenants.domains import domain_cache_forget, library_for_host
from tenants.models import Domain
from tests.conftest import LIBRARY_HOST


def test_a_lookup_is_answered_from_memory_then_forgotten(library, settings):
    settings.STACKS_HOST_CACHE_SECONDS = 60
    with CaptureQueriesContext(connection) as first:
        assert library_for_host(LIBRARY_HOST).pk == library.pk
    assert first.captured_queries
    # Neither the database nor the shared cache is asked while the memory holds the host.
    cache.delete(f"domain:{LIBRARY_HOST}")
    with CaptureQueriesContext(connection) as second:
        assert library_for_host(LIBRARY_HOST).pk == library.pk
    assert second.captured_queries == []
    domain_cache_forget(LIBRARY_HOST)
    with CaptureQueriesContext(connection) as third:
        library_for_host(LIBRARY_HOST)
    assert third.captured_queries


def test_each_caller_gets_its_own_copy(library, settings):
    settings.STACKS_HOST_CACHE_SECONDS = 60
    first = library_for_host(LIBRARY_HOST)
    first.name = "Changed by one request"
    assert library_for_host(LIBRARY_HOST).name == library.name


def test_memory_is_trusted_only_for_the_configured_time(library, settings, monkeypatch):
    settings.STACKS_HOST_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(domains.time, "monotonic", lambda: now[0])
    assert library_for_host("nowhere.example") is None
    cache.set("domain:nowhere.example", library, 60)  # as another process would learn it
    now[0] += 4
    assert library_for_host("nowhere.example") is None
    now[0] += 2
    assert library_for_host("nowhere.example").pk == library.pk
    cache.delete("domain:nowhere.example")


def test_a_save_is_served_by_every_process_at_once(
    library, settings, django_capture_on_commit_callbacks
):
    settings.STACKS_HOST_CACHE_SECONDS = 60
    assert library_for_host(LIBRARY_HOST).name == library.name
    # Another web process still holds the library as it was before the save.
    elsewhere = dict(domains._local)
    with django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", name="Alpha Town Library")
    domains._local.update(elsewhere)
    assert library_for_host(LIBRARY_HOST).name == "Alpha Town Library"


def _changed_elsewhere(library, django_capture_on_commit_callbacks, **settings) -> None:  # type: ignore[no-untyped-def]
    """Save the library's settings as another web process would: this process keeps the copy
    of the library it holds, and learns of the save only from the shared generation."""
    held = dict(domains._local)
    with django_capture_on_commit_callbacks(execute=True):
        library_settings_update(library=library, actor="test", **settings)
    domains._local.update(held)


def test_an_api_read_refuses_at_once_a_catalog_made_private_elsewhere(
    library, settings, django_capture_on_commit_callbacks
):
    settings.STACKS_HOST_CACHE_SECONDS = 60
    reader = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert reader.get("/api/v1/records/").status_code == 200
    _changed_elsewhere(library, django_capture_on_commit_callbacks, public_catalog=False)
    refused = reader.get("/api/v1/records/")
    assert refused.status_code == 401, refused.content
    assert "RateLimit-Limit" not in refused  # the stale attempt was not counted
    assert reader.head("/api/v1/records/").status_code == 401


def test_an_api_read_serves_at_once_a_catalog_made_public_elsewhere(
    library, settings, django_capture_on_commit_callbacks
):
    settings.STACKS_HOST_CACHE_SECONDS = 60
    _changed_elsewhere(library, django_capture_on_commit_callbacks, public_catalog=False)
    reader = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert reader.get("/api/v1/records/").status_code == 401
    # Refused before the throttle ran: the copy is confirmed at the end, found stale, and the
    # request answered again from the library as it is now.
    _changed_elsewhere(library, django_capture_on_commit_callbacks, public_catalog=True)
    served = reader.get("/api/v1/records/")
    assert served.status_code == 200, served.content
    assert served["RateLimit-Remaining"]


def test_a_host_given_up_elsewhere_is_not_served_by_an_api_read(
    library, settings, django_capture_on_commit_callbacks
):
    settings.STACKS_HOST_CACHE_SECONDS = 60
    reader = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert reader.get("/api/v1/records/").status_code == 200
    held = dict(domains._local)
    Domain.objects.filter(domain=LIBRARY_HOST).delete()
    domain_cache_forget(LIBRARY_HOST)
    domains._local.update(held)
    gone = reader.get("/api/v1/records/")
    assert gone.status_code == 404
    assert gone.json()["code"] == "not_found"


def test_an_api_read_asks_redis_once(library, settings, monkeypatch):
    """The host generation is read in the throttle's round trip, not in one of its own."""
    settings.STACKS_HOST_CACHE_SECONDS = 60
    reader = APIClient(HTTP_HOST=LIBRARY_HOST)
    assert reader.get("/api/v1/records/").status_code == 200
    commands: list[object] = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):  # type: ignore[no-untyped-def]
        commands.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    monkeypatch.setattr(readers, "_raised_at", defaultdict(lambda: time.monotonic()))
    response = reader.get("/api/v1/records/")
    assert response.status_code == 200
    assert response["RateLimit-Remaining"]
    assert commands == ["EVALSHA"]
