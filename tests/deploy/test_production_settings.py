"""Production settings: `check --deploy` is silent, the secret key is required, requests get ids."""

import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys

from django.conf import settings
from django.test import Client, override_settings
from django.utils.module_loading import import_string

from config.request_id import RequestIdFilter
from tests.conftest import LIBRARY_HOST, ROOT

# Variables that development or the test run may have set and production leaves alone.
_DEVELOPMENT = ("DEBUG", "SECRET_KEY", "STACKS_HTTPS", "LOG_FORMAT", "DJANGO_SETTINGS_MODULE")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in _DEVELOPMENT}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_check_deploy_reports_nothing_under_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "DEBUG",
        SECRET_KEY=secrets.token_urlsafe(50), TRUST_X_FORWARDED_PROTO="true",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    # Only HSTS preload's reminder is silenced, and only while preload is not configured.
    assert "System check identified no issues (1 silenced)." in result.stdout
    preloaded = _manage(
        "check", "--deploy", "--fail-level", "DEBUG",
        SECRET_KEY=secrets.token_urlsafe(50), TRUST_X_FORWARDED_PROTO="true",
        SECURE_HSTS_PRELOAD="true",
    )  # fmt: skip
    assert "System check identified no issues (0 silenced)." in preloaded.stdout


def test_check_deploy_would_report_development_settings():
    """The check above can fail: DEBUG and plain HTTP are reported."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="1")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG
    assert "security.W008" in result.stderr  # no HTTPS redirect


def test_settings_refuse_to_load_without_a_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_but_probes_still_answer(library):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    assert client.get("/healthz").status_code == 200
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{LIBRARY_HOST}/"


def test_a_request_keeps_the_proxy_request_id(library):
    response = Client(HTTP_HOST=LIBRARY_HOST).get("/", HTTP_X_REQUEST_ID="edge-7f3a:42")
    assert response["X-Request-ID"] == "edge-7f3a:42"


def test_a_request_without_a_usable_id_gets_a_new_one(library):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    forged = client.get("/", HTTP_X_REQUEST_ID='x" "level": "CRITICAL')["X-Request-ID"]
    missing = client.get("/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)
    assert re.fullmatch(r"[0-9a-f]{32}", missing)
    assert forged != missing


def test_log_lines_are_json_with_the_request_id(library):
    """The JSON formatter and request-id filter of LOGGING, as production's console uses them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter = dict(settings.LOGGING["formatters"]["json"])
    handler.setFormatter(import_string(formatter.pop("()"))(**formatter))
    for spec in settings.LOGGING["filters"].values():
        handler.addFilter(import_string(spec["()"])())
    logger = logging.getLogger("stacks.request")
    logger.addHandler(handler)
    try:
        response = Client(HTTP_HOST=LIBRARY_HOST).get("/", HTTP_X_REQUEST_ID="req-1")
    finally:
        logger.removeHandler(handler)
    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["request_id"] == "req-1"
    assert line["logger"] == "stacks.request"
    assert line["level"] == "INFO"
    assert line["status"] == response.status_code
    assert line["path"] == "/"
    assert line["host"] == LIBRARY_HOST
    assert "time" in line


def test_request_id_filter_leaves_an_empty_id_outside_requests():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "outside", None, None)
    assert RequestIdFilter().filter(record)
    assert record.request_id == ""


def test_an_unknown_log_format_is_refused_by_name():
    result = _manage("check", SECRET_KEY=secrets.token_urlsafe(50), LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain, not 'xml'." in result.stderr
