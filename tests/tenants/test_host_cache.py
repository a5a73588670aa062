"""Host lookups: answered from the process's memory for STACKS_HOST_CACHE_SECONDS, forgotten
at once here when a domain or library changes."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import domains
from tenants.administration import library_settings_update
from tenants.domains import domain_cache_forget, library_for_host
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
