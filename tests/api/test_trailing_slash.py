"""API addresses typed without their trailing slash: a 308 that keeps the method and body."""


def _assert_redirected(response, location: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 308
    assert response["Location"] == location
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 308
    assert location in body["detail"]


def test_a_get_without_its_slash_is_sent_to_the_slashed_address_with_its_query(callers, catalog):
    response = callers["read_key"].get(f"/api/v1/records/{catalog.record.pk}?fields=title")
    _assert_redirected(response, f"/api/v1/records/{catalog.record.pk}/?fields=title")
    _assert_redirected(callers["read_key"].get("/api/v1/records"), "/api/v1/records/")


def test_a_write_without_its_slash_is_a_308_not_an_error_page(callers, catalog):
    created = callers["write_key"].post("/api/v1/records", {"title": "Dune"}, format="json")
    _assert_redirected(created, "/api/v1/records/")
    changed = callers["write_key"].patch(
        f"/api/v1/records/{catalog.record.pk}", {"title": "Changed"}, format="json"
    )
    _assert_redirected(changed, f"/api/v1/records/{catalog.record.pk}/")
    # The redirect only points: nothing was written.
    title = callers["read_key"].get(f"/api/v1/records/{catalog.record.pk}/").json()["title"]
    assert title == "The Left Hand of Darkness"


def test_a_path_that_names_nothing_either_way_is_a_404_problem_at_once(callers):
    for method in ("get", "post", "delete"):
        response = getattr(callers["write_key"], method)("/api/v1/nothing")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert "Location" not in response


def test_a_website_page_keeps_djangos_redirect(library, web):
    response = web.get("/staff/login")
    assert response.status_code == 301
    assert response["Location"] == "/staff/login/"


def test_a_path_that_names_nothing_answers_in_the_callers_language(callers):
    response = callers["read_key"].get(
        "/api/v1/patron-imports/1/revert/", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 404
    body = response.json()
    assert (body["title"], body["detail"]) == (
        "Nicht gefunden",
        "Unter dieser Adresse gibt es keinen API-Endpunkt und kein Objekt.",
    )
