"""CORS for the API's reads: each library's admins name the origins; writes get no allowance."""

import pytest
from corsheaders.signals import check_request_enabled
from django.test import Client

from tenants.administration import library_settings_update
from tenants.domains import library_cache_forget
from tenants.models import Library
from tests.api.conftest import client_for
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

pytestmark = pytest.mark.django_db
SITE = "https://discover.alpha.example"


@pytest.fixture
def site_allowed(library: Library) -> Library:
    library_settings_update(library=library, actor="test", cors_origins=[SITE])
    library_cache_forget(library)
    return library


def _allowed(response) -> str | None:  # type: ignore[no-untyped-def]
    return response.headers.get("Access-Control-Allow-Origin")


def test_an_allowed_origin_may_read_and_sees_the_headers_it_needs(callers, site_allowed, catalog):
    response = callers["read_key"].get("/api/v1/records/", HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    assert _allowed(response) == SITE
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "link", "retry-after", "ratelimit-limit", "ratelimit-remaining",
            "ratelimit-reset"} <= exposed  # fmt: skip
    assert "origin" in response["Vary"].lower()
    # Errors too, so the page can read why (a wrong key here).
    wrong = client_for(LIBRARY_HOST, "Api-Key nope").get("/api/v1/records/", HTTP_ORIGIN=SITE)
    assert wrong.status_code == 401
    assert _allowed(wrong) == SITE
    # A 304 as well.
    etag = response["ETag"]
    again = callers["read_key"].get("/api/v1/records/", HTTP_ORIGIN=SITE, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert _allowed(again) == SITE


def test_other_origins_get_no_allowance(callers, site_allowed):
    for origin in ("https://evil.example", "http://discover.alpha.example", f"{SITE}:8443"):
        response = callers["read_key"].get("/api/v1/records/", HTTP_ORIGIN=origin)
        assert response.status_code == 200
        assert _allowed(response) is None


def test_a_request_naming_no_origin_is_answered_without_asking(callers, site_allowed):
    asked = []

    def receiver(sender, request, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(request.path)
        return False

    check_request_enabled.connect(receiver, dispatch_uid="test.cors_asked")
    try:
        plain = callers["read_key"].get("/api/v1/records/")
        assert asked == []
        cross = callers["read_key"].get("/api/v1/records/", HTTP_ORIGIN=SITE)
        assert set(asked) == {"/api/v1/records/"}
    finally:
        check_request_enabled.disconnect(dispatch_uid="test.cors_asked")
    assert plain.status_code == 200
    assert _allowed(plain) is None
    assert "origin" not in plain.get("Vary", "").lower()
    assert _allowed(cross) == SITE


def test_a_preflight_for_a_read_is_answered_and_one_for_a_write_is_not(site_allowed):
    anonymous = client_for(LIBRARY_HOST)
    read = anonymous.options(
        "/api/v1/records/", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-none-match",
    )  # fmt: skip
    assert read.status_code == 200
    assert _allowed(read) == SITE
    assert set(read["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET", "HEAD", "OPTIONS"
    }  # fmt: skip
    assert {"authorization", "if-none-match"} <= set(
        read["Access-Control-Allow-Headers"].replace(" ", "").split(",")
    )
    for method in ("POST", "PATCH", "DELETE"):
        write = anonymous.options(
            "/api/v1/records/", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method
        )
        assert _allowed(write) is None


def test_a_write_from_an_allowed_origin_gets_no_allowance(callers, site_allowed):
    response = callers["write_key"].post(
        "/api/v1/records/", {"title": "From a page"}, format="json", HTTP_ORIGIN=SITE
    )
    assert response.status_code == 201  # a key's write is the key's; the page may not read it
    assert _allowed(response) is None


def test_the_website_is_not_opened(site_allowed):
    response = Client(HTTP_HOST=LIBRARY_HOST).get("/search/", HTTP_ORIGIN=SITE)
    assert _allowed(response) is None


def test_one_librarys_origin_is_not_allowed_on_another(callers, other_callers, site_allowed,
                                                       other_library):  # fmt: skip
    response = other_callers["read_key"].get("/api/v1/records/", HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    assert _allowed(response) is None
    preflight = client_for(OTHER_LIBRARY_HOST).options(
        "/api/v1/records/", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert _allowed(preflight) is None
    other_library.refresh_from_db()
    assert other_library.cors_origins == []


def test_admins_set_origins_through_the_api_cleaned(callers, library):
    response = callers["admin"].patch(
        "/api/v1/settings/",
        {"cors_origins": ["https://Discover.Alpha.example/", "http://localhost:3000", "",
                          "https://discover.alpha.example", "http://[::1]:8080"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    expected = ["https://discover.alpha.example", "http://localhost:3000", "http://[::1]:8080"]
    assert response.json()["cors_origins"] == expected
    library.refresh_from_db()
    assert library.cors_origins == expected


@pytest.mark.parametrize(
    "origin",
    ["https://discover.alpha.example/app", "*", "https://*.alpha.example", "ftp://alpha.example",
     "discover.alpha.example", "https://discover.alpha.example?x=1", "https://user@alpha.example",
     "https://alpha.example:99999", "https://bad_host.example"],
)  # fmt: skip
def test_what_is_not_an_origin_is_refused_by_name_and_nothing_changes(callers, library, origin):
    library_settings_update(library=library, actor="test", cors_origins=[SITE])
    response = callers["admin"].patch(
        "/api/v1/settings/", {"cors_origins": [origin], "name": "Renamed"}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["errors"]) == ["cors_origins"]
    assert "is not a web origin" in body["detail"]
    assert "no path, no wildcard" in body["detail"]
    library.refresh_from_db()
    assert (library.cors_origins, library.name) == ([SITE], "Alpha Library")


def test_only_admins_set_origins_and_not_across_libraries(callers, other_callers, library,
                                                          other_library):  # fmt: skip
    for name in ("librarian", "write_key", "read_key"):
        refused = callers[name].patch("/api/v1/settings/", {"cors_origins": [SITE]}, format="json")
        assert refused.status_code == 403
    visitor = client_for(OTHER_LIBRARY_HOST, callers["admin"]._credentials["HTTP_AUTHORIZATION"])
    assert (
        visitor.patch("/api/v1/settings/", {"cors_origins": [SITE]}, format="json").status_code
        == 401
    )
    library.refresh_from_db()
    other_library.refresh_from_db()
    assert (library.cors_origins, other_library.cors_origins) == ([], [])


def test_the_settings_page_sets_origins_one_per_line(library):
    browser = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    page = browser.get("/staff/settings/").text
    assert "Web origins whose pages may read the API" in page
    form = {"name": "Alpha Library", "default_location_code": "", "version": 1}
    bad = browser.post("/staff/settings/", form | {"cors_origins": f"{SITE}\nhttps://x.example/a"})
    assert bad.status_code == 400
    assert "&#x27;https://x.example/a&#x27; is not a web origin" in bad.text
    assert "https://x.example/a" in bad.text.split("</textarea>")[0]  # what was typed is kept
    library.refresh_from_db()
    assert library.cors_origins == []
    saved = browser.post(
        "/staff/settings/", form | {"cors_origins": f"{SITE}\n\nhttp://localhost:3000\n"}
    )
    assert saved.status_code == 302
    library.refresh_from_db()
    assert library.cors_origins == [SITE, "http://localhost:3000"]
    assert "http://localhost:3000" in browser.get("/staff/settings/").text
