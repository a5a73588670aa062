"""Records through the API: reading, writing, ETags, and bad input answered with field errors."""

import pytest
from django_tenants.utils import schema_context

from catalog.models import Change, Record


def test_list_and_retrieve_records(callers, catalog):
    response = callers["anonymous"].get("/api/v1/records/")
    assert response.status_code == 200
    titles = [r["title"] for r in response.json()["results"]]
    assert titles == ["A Wizard of Earthsea", "The Left Hand of Darkness"]

    detail = callers["anonymous"].get(f"/api/v1/records/{catalog.record.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["contributors"] == [
        {"id": body["contributors"][0]["id"], "name": "Le Guin, Ursula K.", "role": "author"}
    ]
    assert body["identifiers"] == [{"kind": "isbn", "value": "9780441478125"}]
    assert detail["ETag"] == '"v1"'
