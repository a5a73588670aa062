"""Every error under /api/ is a compact JSON problem, whatever the caller accepts and whichever
host it asks."""

import json

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import client_for
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PLATFORM = "localhost"


def _problem(response, status):
    """The response's problem, checked to be one: JSON under its content type."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    return body


def _compact(response):
    return json.dumps(json.loads(response.content), separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    ("path", "authorization", "status"),
    [
        ("/api/v1/records/999999/", None, 404),
        ("/api/v1/records/?page_size=0", None, 400),
        ("/api/v1/records/", "Api-Key not-a-key", 401),
        ("/api/v1/changes/", None, 401),
    ],
)
def test_a_browser_gets_errors_as_json_problems(catalog, path, authorization, status):
    client = client_for(LIBRARY_HOST, authorization)
    response = client.get(path, HTTP_ACCEPT=BROWSER)
    body = _problem(response, status)
    assert b"<html" not in response.content.lower()
    assert body["detail"]


def test_a_browser_still_gets_the_browsable_api_for_what_works(catalog):
    response = client_for(LIBRARY_HOST).get("/api/v1/records/", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_api_path_on_the_platform_host_is_a_json_404(db):
    client = APIClient(HTTP_HOST=PLATFORM)
    for path in ("/api/v1/records/", "/api/v1/records/7/", "/api/v2/anything/"):
        response = client.get(path, HTTP_ACCEPT="application/json")
        body = _problem(response, 404)
        assert body["code"] == "not_found"
    assert client.post("/api/v1/records/", {"title": "X"}, format="json").status_code == 404
    # The platform's own endpoints answer as they did.
    libraries = client.get("/api/v1/libraries/", HTTP_ACCEPT="application/json")
    assert libraries.status_code in (401, 403)
    missing = client.get("/api/v1/signups/no-such-signup/", HTTP_ACCEPT="application/json")
    assert _problem(missing, 404)["detail"] != body["detail"]


@pytest.mark.parametrize(
    "path", ["/api/v1/records/abc/", "/api/v1/no-such-endpoint/", "/api/v2/records/"]
)
def test_routing_404s_are_as_compact_as_every_other_error(library, path):
    client = client_for(LIBRARY_HOST)
    response = client.get(path)
    _problem(response, 404)
    assert response.content.decode() == _compact(response)
    # The same encoding as an error DRF answers.
    other = client.get("/api/v1/records/999999/")
    assert other.content.decode() == _compact(other)
