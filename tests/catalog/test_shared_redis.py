"""Anonymous website traffic cannot fill the Redis that queues every library's tasks."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache, caches
from django.test import Client
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create
from staff.services import api_key_create
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, ROOT, subprocess_env

SEARCHES = 300


def _broker_bytes() -> int:
    """Memory the broker's Redis holds for this test run's keys."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return sum(
        client.memory_usage(key) or 0 for key in client.scan_iter(match=f"*{prefix}*", count=1000)
    )


@pytest.fixture
def shelf(library):  # type: ignore[no-untyped-def]
    with schema_context("alpha"):
        for n in range(30):
            record_create(data=RecordData(title=f"Gardens of the moon, volume {n}"))


def test_unique_searches_add_under_a_megabyte_to_the_broker(shelf, settings):
    settings.STACKS_WEBSITE_RATE_PER_ADDRESS = 10_000  # counted, in the broker's Redis too
    web = Client(HTTP_HOST=LIBRARY_HOST)
    web.get("/")  # the host lookup is cached from here on
    before = _broker_bytes()
    sizes = []
    for n in range(SEARCHES):
        page = web.get("/search/", {"q": f"gardens {n}"})
        assert page.status_code == 200
        assert page["X-Page-Cache"] == "miss"
        sizes.append(len(page.content))
    grown = _broker_bytes() - before
    print(f"\n{SEARCHES} searches of {sum(sizes) / len(sizes) / 1024:.1f} KiB pages: "
          f"broker's Redis grew {grown / 1024:.1f} KiB")  # fmt: skip
    assert grown < 1024 * 1024
    # The pages are still cached, where an eviction costs nothing but a render.
    assert web.get("/search/", {"q": f"gardens {SEARCHES - 1}"})["X-Page-Cache"] == "hit"
    assert settings.CACHES["pages"]["LOCATION"] != settings.CACHES["default"]["LOCATION"]


def test_the_page_cache_keeps_a_bounded_number_of_pages(shelf, settings):
    settings.STACKS_WEBSITE_RATE_PER_ADDRESS = 0
    entries = settings.CACHES["pages"]["OPTIONS"]["MAX_ENTRIES"]
    web = Client(HTTP_HOST=LIBRARY_HOST)
    for n in range(entries + 50):
        web.get("/search/", {"q": f"moon {n}"})
    assert len(caches["pages"]._cache) <= entries  # type: ignore[attr-defined]


def test_anonymous_website_traffic_is_throttled_per_address(library, other_library, settings):
    settings.STACKS_WEBSITE_RATE_PER_ADDRESS = 5
    reader = Client(HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.20")
    for n in range(5):
        assert reader.get("/search/", {"q": f"x{n}"}).status_code == 200
    refused = reader.get("/search/", {"q": "x5"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 61
    # Other addresses, and the API (throttled on its own), are not held back.
    assert Client(HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.21").get("/").status_code == 200
    assert reader.get("/api/v1/records/").status_code == 200
    # Another library counts its own readers.
    other = Client(HTTP_HOST=OTHER_LIBRARY_HOST, REMOTE_ADDR="203.0.113.20")
    assert other.get("/").status_code == 200


def test_compose_gives_the_page_cache_a_redis_that_evicts():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    broker = " ".join(services["redis"]["command"])
    pages = " ".join(services["cache"]["command"])
    assert "--maxmemory-policy noeviction" in broker
    assert "--maxmemory-policy allkeys-lru" in pages
    assert "--maxmemory" in pages
    env_example = Path(ROOT / "deploy" / ".env.example").read_text()
    assert "STACKS_PAGE_CACHE_URL=redis://cache:6379/0" in env_example
    assert services["web"]["depends_on"]["cache"] == {"condition": "service_healthy"}


def test_a_page_cache_of_its_own_is_used_when_configured():
    # compose sets STACKS_PAGE_CACHE_URL: the settings must name a backend that exists, and
    # a page kept there must be read back from that Redis, not from the broker's.
    script = (
        "import django; django.setup()\n"
        "from django.core.cache import caches\n"
        "pages = caches['pages']\n"
        "pages.set('page-probe', 'kept', 30)\n"
        "print(type(pages).__name__, pages.get('page-probe'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=subprocess_env(
            DJANGO_SETTINGS_MODULE="tests.settings",
            STACKS_PAGE_CACHE_URL=settings.CACHES["default"]["LOCATION"],
        ),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ReusedClientRedisCache", "kept"]


def test_harvesters_are_told_to_wait_and_key_holders_are_not_counted(
    library, settings, django_capture_on_commit_callbacks
):
    """Over the website's ceiling, OAI-PMH and SRU answer 503 with Retry-After (OAI-PMH's flow
    control, which harvesters wait on; they give up on a 429); a caller with one of the
    library's API keys is not held to the anonymous ceiling at all."""
    settings.STACKS_WEBSITE_RATE_PER_ADDRESS = 2
    with schema_context(library.schema_name), django_capture_on_commit_callbacks(execute=True):
        key = api_key_create(name="Union catalog", scope="read").secret
    anonymous = Client(HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.30")
    for _ in range(2):
        assert anonymous.get("/oai", {"verb": "Identify"}).status_code == 200
    for path, params in (("/oai", {"verb": "Identify"}), ("/sru", {"operation": "explain"})):
        refused = anonymous.get(path, params)
        assert refused.status_code == 503, path
        assert 0 < int(refused["Retry-After"]) <= 61
    assert anonymous.get("/search/", {"q": "x"}).status_code == 429
    keyed = Client(
        HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.30", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    for _ in range(5):
        assert keyed.get("/oai", {"verb": "Identify"}).status_code == 200
        assert keyed.get("/sru", {"operation": "explain"}).status_code == 200
    wrong = Client(
        HTTP_HOST=LIBRARY_HOST, REMOTE_ADDR="203.0.113.30", HTTP_AUTHORIZATION="Api-Key stk_no"
    )
    assert wrong.get("/oai", {"verb": "Identify"}).status_code == 503
