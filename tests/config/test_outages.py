"""Outages answer 503 or carry on, never 500: real gunicorn with Redis or PostgreSQL away."""

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import LIBRARY_HOST, ROOT, free_port, process_stop, subprocess_env
from tests.settings import RUN_ID


class Web:
    """`gunicorn config.wsgi` on a free port with the environment it is given."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.log_path = ROOT / ".stacks" / f"web-outage-{RUN_ID}-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "deploy/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            cwd=ROOT, env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings", DEBUG="0", **env),
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text(errors="replace")
            try:
                self.get("localhost", "/healthz")
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn not answering; see {self.log_path}")

    def get(self, host: str, path: str, **headers: str) -> requests.Response:
        return requests.get(
            f"http://127.0.0.1:{self.port}{path}", headers={"Host": host, **headers}, timeout=20
        )

    def stop(self) -> None:
        process_stop(self.process)


@pytest.fixture
def web_without_redis(live_db) -> Iterator[Web]:  # type: ignore[no-untyped-def]
    nothing = f"redis://127.0.0.1:{free_port()}/0"
    web = Web(REDIS_URL=nothing, CELERY_BROKER_URL=nothing)
    yield web
    web.stop()


@pytest.fixture
def web_without_database(live_db) -> Iterator[Web]:  # type: ignore[no-untyped-def]
    web = Web(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/stacks")
    yield web
    web.stop()


def test_with_redis_away_libraries_still_resolve_and_serve(web_without_redis: Web) -> None:
    """The host lookup falls back to the database, the page cache and throttles are bypassed."""
    for path in ("/", "/search/?q=river", "/api/v1/records/", "/api/v1/records/?q=river"):
        response = web_without_redis.get(LIBRARY_HOST, path)
        assert response.status_code == 200, (path, response.text[:300])
    assert web_without_redis.get("nobody.localhost", "/").status_code == 404
    ready = web_without_redis.get(LIBRARY_HOST, "/readyz")
    assert ready.status_code == 503
    assert [p.split(":")[0] for p in ready.json()["problems"]] == ["broker"]


def test_with_the_database_away_the_api_and_pages_answer_503(web_without_database: Web) -> None:
    api = web_without_database.get(LIBRARY_HOST, "/api/v1/records/")
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.headers["Content-Type"].startswith("application/problem+json")
    assert api.json()["code"] == "unavailable"
    assert api.json()["status"] == 503

    page = web_without_database.get(LIBRARY_HOST, "/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert page.headers["Content-Type"].startswith("text/html")
    assert "try again" in page.text

    assert web_without_database.get(LIBRARY_HOST, "/healthz").status_code == 200
    ready = web_without_database.get(LIBRARY_HOST, "/readyz")
    assert ready.status_code == 503
    assert [p.split(":")[0] for p in ready.json()["problems"]] == ["database"]
