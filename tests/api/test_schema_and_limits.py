"""The OpenAPI schema and Swagger UI, and the throttles' 429 with Retry-After."""

import pytest
from django.conf import settings
from django.core.cache import cache

from api.schema import CONFLICTS
from api.throttling import AddressRateThrottle, CallerRateThrottle


def test_schema_documents_errors_and_examples_on_every_operation(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "Error" in schema["components"]["schemas"]
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 25
    for path, method, op in operations:
        responses = op["responses"]
        for code in ("401", "404", "429"):
            content = responses[code]["content"]["application/problem+json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)
            assert content["examples"], (path, method)
        success = next(c for c in responses if c.startswith("2"))
        for media_type, content in responses[success].get("content", {}).items():
            if content["schema"].get("format") == "binary":
                continue  # a file download: its media type is what is documented
            assert content.get("examples"), (path, method, media_type)
        if success != "204":
            assert responses[success].get("content"), (path, method)
        if method != "get":
            assert "415" in responses
        # 412 answers a stale If-Match, so only operations that take one list it.
        takes_if_match = any(p["name"] == "If-Match" for p in op.get("parameters", []))
        assert ("412" in responses) == takes_if_match, (path, method)
        # 409 also answers a POST whose Idempotency-Key is still being carried out.
        if op["operationId"] in CONFLICTS or method == "post":
            assert "409" in responses, (path, method)
        elif method == "get":
            assert "409" not in responses, (path, method)
    assert {"ApiKey", "StaffToken"} <= set(schema["components"]["securitySchemes"])


def test_swagger_ui_is_served_with_local_assets(api_client):
    page = api_client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html


def _throttle_buckets_clear() -> int:
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"*:{prefix}:*throttle_*"))
    if keys:
        client.delete(*keys)
    return len(keys)


@pytest.fixture
def tight_rates(monkeypatch):
    # Earlier tests filled this address's bucket; start from empty ones.
    _throttle_buckets_clear()
    # Throttle classes read their rates once at import; give this test its own small ones.
    monkeypatch.setattr(
        CallerRateThrottle, "THROTTLE_RATES", {"caller": "3/min", "address": "5/min"}
    )
    monkeypatch.setattr(
        AddressRateThrottle, "THROTTLE_RATES", {"caller": "3/min", "address": "5/min"}
    )
    yield
    # Drop this run's throttle buckets so later tests start with empty ones.
    assert _throttle_buckets_clear() > 0


def test_throttled_callers_get_429_with_retry_after(callers, tight_rates):
    client = callers["read_key"]
    statuses = [client.get("/api/v1/locations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/locations/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # The detail says when to retry, the same figure as Retry-After, in the caller's language.
    wait = response["Retry-After"]
    assert response.json()["detail"] in (
        f"Too many requests: retry in {wait} seconds.",
        f"Too many requests: retry in {wait} second.",
    )
    french = client.get("/api/v1/locations/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["detail"].startswith("Trop de requêtes\u00a0: réessayez dans ")
    # Another caller from the same address has its own bucket until the address ceiling.
    other = callers["write_key"]
    assert other.get("/api/v1/locations/").status_code == 429  # address: 5 per minute


def test_answers_carry_the_rate_limit(callers, tight_rates):
    client = callers["read_key"]
    first = client.get("/api/v1/locations/")
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("3", "2")
    assert 0 < int(first["RateLimit-Reset"]) <= 60
    second = client.get("/api/v1/locations/")
    assert second["RateLimit-Remaining"] == "1"
    client.get("/api/v1/locations/")
    refused = client.get("/api/v1/locations/")
    assert refused.status_code == 429
    assert refused["RateLimit-Remaining"] == "0"
    assert int(refused["RateLimit-Reset"]) >= int(refused["Retry-After"]) - 1
