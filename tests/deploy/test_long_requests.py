"""Long requests over real HTTP: gunicorn, started as `make up` and the web container start it,
lets a long search and big headers through to the application, and refuses what is past its
limits in the API's JSON problem body, not an HTML page."""

import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
import requests
from lxml import etree

from config.up import web_command
from config.web_server import REQUEST_FIELD_MAX, REQUEST_LINE_MAX
from tests.conftest import (
    LIBRARY_HOST,
    ROOT,
    free_port,
    gunicorn_start,
    process_stop,
    subprocess_env,
)
from tests.settings import RUN_ID

LOG = ROOT / ".stacks" / f"web-long-requests-{RUN_ID}.log"
LONG = "moon " * 1200  # 6,000 characters


def _make_up_web(port: int) -> "subprocess.Popen[bytes]":
    command = web_command(f"127.0.0.1:{port}")
    LOG.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        command, cwd=ROOT, env=subprocess_env(DJANGO_SETTINGS_MODULE="tests.settings"),
        stdout=LOG.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    process_stop(process)
    raise RuntimeError(f"gunicorn (make up's command) not answering; see {LOG}")


@pytest.fixture(params=["make up", "deploy/gunicorn.conf.py"])
def server(request, live_db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = free_port()
    if request.param == "make up":
        process = _make_up_web(port)
    else:
        process = gunicorn_start(port=port, log_path=LOG, workers=1, DEBUG="1")
    yield f"http://127.0.0.1:{port}"
    process_stop(process)


def test_a_long_search_reaches_the_application(server):
    session = requests.Session()
    session.headers["Host"] = LIBRARY_HOST
    response = session.get(f"{server}/api/v1/records/", params={"q": LONG}, timeout=30)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]["q"] == ["Ensure this field has no more than 500 characters."]
    sru = session.get(f"{server}/sru", params={"query": LONG}, timeout=30)
    assert sru.status_code == 200
    tree = etree.fromstring(sru.content)
    ns = {"diag": "http://www.loc.gov/zing/srw/diagnostic/"}
    assert tree.xpath("//diag:uri/text()", namespaces=ns) == ["info:srw/diagnostic/1/6"]
    assert tree.xpath("//diag:details/text()", namespaces=ns) == [
        "query: 6000 characters; this server takes up to 1000."
    ]
    # Up to gunicorn's most, and no further.
    path = "/api/v1/records/?q="
    fits = "x" * (REQUEST_LINE_MAX - len(f"GET {path} HTTP/1.1") - 1)
    answered = session.get(f"{server}{path}{fits}", timeout=30)
    assert answered.status_code == 400
    assert answered.headers["Content-Type"] == "application/problem+json"
    beyond = session.get(f"{server}{path}{fits}xx", timeout=30)
    assert beyond.status_code == 414
    assert beyond.headers["Content-Type"] == "application/problem+json"
    body = beyond.json()
    assert (body["status"], body["code"]) == (414, "request_line_too_long")
    assert f"({REQUEST_LINE_MAX} bytes)" in body["detail"]


def test_big_cookies_and_tokens_reach_the_application(server):
    """Headers past gunicorn's default of 8190 bytes, as single sign-on cookies and tokens with
    many claims are, answer as the application would."""
    session = requests.Session()
    session.headers["Host"] = LIBRARY_HOST
    cookie = session.get(
        f"{server}/api/v1/records/", headers={"Cookie": "sso=" + "c" * 20_000}, timeout=30
    )
    assert cookie.status_code == 200
    assert "results" in cookie.json()
    token = session.get(
        f"{server}/api/v1/records/",
        headers={"Authorization": "Bearer " + "t" * (REQUEST_FIELD_MAX - 100)},
        timeout=30,
    )
    assert token.status_code == 401
    assert token.headers["Content-Type"] == "application/problem+json"


def test_a_header_past_the_limit_is_a_431_problem(server):
    session = requests.Session()
    session.headers["Host"] = LIBRARY_HOST
    response = session.get(
        f"{server}/api/v1/records/",
        headers={"Cookie": "sso=" + "c" * REQUEST_FIELD_MAX},
        timeout=30,
    )
    assert response.status_code == 431
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (431, "headers_too_large")
    assert f"({REQUEST_FIELD_MAX} bytes, name and value)" in body["detail"]
    # The server is still there for the next request.
    assert session.get(f"{server}/healthz", timeout=30).status_code == 200
