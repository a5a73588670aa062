"""No input gives a server error: each answers 4xx with the problem body, and nothing changes."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Record
from tests.conftest import LIBRARY_HOST

pytestmark = pytest.mark.django_db


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/v1/items/by-barcode/ab%00c/", "/api/v1/records/?q=river%00", "/api/v1/records/%00/"],
)
def test_a_nul_in_an_api_address_is_a_400_problem(api_client: APIClient, path: str) -> None:
    api_client.raise_request_exception = False
    _problem(api_client.get(path), 400)


def test_a_nul_in_a_website_search_is_a_400_page(client, library) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    response = client.get("/search/?q=ab%00c", HTTP_HOST=LIBRARY_HOST)
    assert response.status_code == 400
    assert b"NUL" in response.content


@pytest.mark.parametrize(
    "body",
    ["[" * 1000 + "]" * 1000, '{"title": "x", "series": ' + "[" * 1000 + "]" * 1000 + "}",
     '{"title": "x", "contributors": [{"name": ' + "[" * 40 + "]" * 40 + "}]}"],
)  # fmt: skip
def test_deeply_nested_json_is_a_400_problem(writer: APIClient, in_library, body: str) -> None:  # type: ignore[no-untyped-def]
    writer.raise_request_exception = False
    before = Record.objects.count()
    body = _problem(
        writer.post("/api/v1/records/", data=body, content_type="application/json"), 400
    )
    assert "nested" in body["detail"]
    assert Record.objects.count() == before


def test_a_patch_of_contributors_without_roles_takes_the_default_role(writer: APIClient) -> None:
    created = writer.post("/api/v1/records/", data={"title": "Roles"}, format="json").json()
    response = writer.patch(
        f"/api/v1/records/{created['id']}/",
        data={"contributors": [{"name": "Ada Lovelace"}], "subjects": [{"heading": "Engines"}]},
        format="json",
    )
    assert response.status_code == 200, response.content[:300]
    assert [(c["name"], c["role"]) for c in response.json()["contributors"]] == [
        ("Ada Lovelace", "author")
    ]
    assert [(s["heading"], s["scheme"]) for s in response.json()["subjects"]] == [
        ("Engines", "local")
    ]


def test_a_staff_token_on_the_platform_host_is_a_401(db) -> None:  # type: ignore[no-untyped-def]
    platform = APIClient(HTTP_HOST="localhost")
    platform.raise_request_exception = False
    for path in ("/api/v1/", "/api/v1/libraries/"):
        body = _problem(platform.get(path, HTTP_AUTHORIZATION="Bearer x"), 401)
        assert "library" in body["detail"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/v1/records/", "title"),
        ("/api/v1/records/", "barcode"),
        ("/api/v1/records/facets/", "cursor"),
        ("/api/v1/records/{record}/", "q"),
        ("/api/v1/records/{record}/items/", "status"),
        ("/api/v1/items/", "isbn"),
        ("/api/v1/items/{item}/", "fields"),
        ("/api/v1/locations/", "code"),
        ("/api/v1/contributors/", "heading"),
        ("/api/v1/subjects/", "name"),
        ("/api/v1/changes/", "cursor"),
    ],
)
def test_unknown_query_parameters_are_refused_by_name(callers, catalog, path, parameter):
    # Ignored, `?isbn=` on a list that does not know it answered the whole list.
    url = path.format(record=catalog.record.pk, item=catalog.item.pk)
    response = callers["read_key"].get(url, {parameter: "x"})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [parameter]
    assert "Unknown query parameter" in response.json()["errors"][parameter][0]
    # The parameters it does take still work.
    assert callers["read_key"].get(url).status_code == 200


def test_paged_lists_take_the_cursor_and_page_size(callers, catalog):
    response = callers["read_key"].get("/api/v1/records/", {"page_size": "1", "q": "darkness"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


# Per language: a missing record's words, a taken barcode's, and the titles of 404 and 400,
# the detail of a request with an invalid field (naming it) and the page size's rule.
SAID = {
    "en": ("No such record.",
           "Barcode \u201cB-1\u201d is already used by another item of this library.",
           "Not found", "Invalid request",
           "Check \u201cpage_size\u201d: A whole number from 1 to 200.",
           "A whole number from 1 to 200."),
    "de": ("Diesen Datensatz gibt es nicht.",
           "Der Barcode \u201eB-1\u201c wird bereits von einem anderen Exemplar dieser "
           "Bibliothek verwendet.",
           "Nicht gefunden", "Ungültige Anfrage",
           "Prüfen Sie \u201epage_size\u201c: Eine ganze Zahl von 1 bis 200.",
           "Eine ganze Zahl von 1 bis 200."),
    "es": ("Ese registro no existe.",
           "El código de barras \u00abB-1\u00bb ya lo usa otro ejemplar de esta biblioteca.",
           "No encontrado", "Solicitud no válida",
           "Revise \u00abpage_size\u00bb: Un número entero de 1 a 200.",
           "Un número entero de 1 a 200."),
    "fr": ("Cette notice n\u2019existe pas.",
           "Le code-barres \u00ab\u00a0B-1\u00a0\u00bb est déjà utilisé par un autre exemplaire "
           "de cette bibliothèque.",
           "Introuvable", "Requête non valide",
           "Vérifiez \u00ab\u00a0page_size\u00a0\u00bb\u00a0: Un nombre entier de 1 à 200.",
           "Un nombre entier de 1 à 200."),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(SAID))
def test_api_errors_speak_the_request_s_language_and_keep_their_code(
    writer: APIClient, language: str
) -> None:
    missing, barcode_taken, not_found, invalid, fields_invalid, page_size = SAID[language]
    record = writer.post("/api/v1/records/", data={"title": "Copies"}, format="json").json()
    item = {"record": record["id"], "barcode": "B-1"}
    assert writer.post("/api/v1/items/", data=item, format="json").status_code == 201
    asking = {"HTTP_ACCEPT_LANGUAGE": language}
    gone = _problem(writer.get("/api/v1/records/999999999/", **asking), 404)
    assert (gone["code"], gone["title"], gone["detail"]) == ("not_found", not_found, missing)
    twice = _problem(writer.post("/api/v1/items/", data=item, format="json", **asking), 400)
    assert (twice["code"], twice["title"], twice["detail"]) == (
        "barcode_taken",
        invalid,
        barcode_taken,
    )
    too_big = _problem(writer.get("/api/v1/records/", {"page_size": "0"}, **asking), 400)
    assert (too_big["code"], too_big["title"], too_big["detail"]) == (
        "invalid",
        invalid,
        fields_invalid,
    )
    assert too_big["errors"] == {"page_size": [page_size]}


def test_deeply_nested_json_is_never_a_server_error_on_any_write(callers) -> None:  # type: ignore[no-untyped-def]
    """Every write of the document, the file uploads' included, reads JSON with the same
    nesting limit: a body nested past it is a 4xx, never a RecursionError."""
    admin = callers["admin"]
    admin.raise_request_exception = False
    document = admin.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    deep = "[" * 100_000 + "]" * 100_000
    for path, item in document.json()["paths"].items():
        for method in ("post", "put", "patch"):
            if method not in item or path.startswith("/api/v1/auth/"):
                continue
            url = path.replace("{id}", "1")
            response = admin.generic(method.upper(), url, deep, content_type="application/json")
            assert response.status_code < 500, (method, url, response.content[:200])
