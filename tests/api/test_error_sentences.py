"""Every refusal of bad input is a sentence that names what was wrong and says what is wanted:
no bare token, no library's default wording, and nothing changes."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from catalog.imports.models import ImportJob
from catalog.models import Record
from circulation.models import Loan, Patron
from staff.models import ApiKey

pytestmark = pytest.mark.django_db

# What DRF and Python say on their own: true, but not what a caller should send instead.
DEFAULT_WORDING = (
    "does not match the required pattern", "Must be a valid boolean", "JSON parse error",
    "codec can't decode", "Expected available", "Request was throttled",
    "Expected a dictionary", "Expected a list", "No data provided", "not JSON compliant",
)  # fmt: skip

LATIN_1 = '{"title": "Caf\u00e9 society"}'.encode("latin-1")
CSV = b"title,isbn\nDune,0441172717\n"

# (caller, method, path, body, how the body is sent, what the answer must name)
BAD_INPUTS = [
    ("librarian", "get", "/api/v1/changes/?since=abc", None, None, "since"),
    ("librarian", "get", "/api/v1/changes/?since=-1", None, None, "since"),
    ("librarian", "get", "/api/v1/changes/?limit=lots", None, None, "limit"),
    ("librarian", "get", "/api/v1/records/?year_from=1990s", None, None, "year_from"),
    ("admin", "get", "/api/v1/loans/?open=maybe", None, None, "open"),
    ("admin", "get", "/api/v1/loans/?overdue=yes", None, None, "overdue"),
    ("admin", "post", "/api/v1/patrons/", {"name": "Ada", "barcode": "P-1", "pin": "12a4"},
     "json", "pin"),
    ("librarian", "post", "/api/v1/records/", LATIN_1, "application/json", "UTF-8"),
    ("librarian", "post", "/api/v1/records/", b'{"title": "Dune",}', "application/json",
     "line 1, column 18"),
    ("admin", "post", "/api/v1/api-keys/", {"name": "Kiosk", "patrons": "yes"}, "json",
     "patrons"),
    ("admin", "post", "/api/v1/loans/",
     {"item_barcode": "B-1", "patron_barcode": "P-1", "override_holds": "true"}, "json",
     "override_holds"),
    ("librarian", "post", "/api/v1/imports/", {"dry_run": "yes"}, "multipart", "dry_run"),
    ("librarian", "post", "/api/v1/imports/", {"create_locations": "on"}, "multipart",
     "create_locations"),
    ("librarian", "post", "/api/v1/records/", b'[{"title": "Dune"}]', "application/json",
     "an array"),
    ("librarian", "post", "/api/v1/records/", {"title": "Dune", "contributors": "Hugo"}, "json",
     "contributors"),
    ("librarian", "post", "/api/v1/records/", b"null", "application/json", "null"),
    ("librarian", "post", "/api/v1/records/", b'{"title": NaN}', "application/json", "NaN"),
    ("librarian", "post", "/api/v1/records/", b'{"title": -Infinity}', "application/json",
     "-Infinity"),
    ("admin", "post", "/api/v1/item-types/", {"item_barcodes": "B-1", "item_type": "dvd"}, "json",
     "item_barcodes"),
    ("admin", "patch", "/api/v1/settings/", {"cors_origins": "https://a.example"}, "json",
     "cors_origins"),
]  # fmt: skip


def _is_sentence(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z\u201c].*[.]", text, flags=re.DOTALL)) and " " in text


def _state() -> tuple[int, ...]:
    with schema_context("alpha"):
        return (Record.objects.count(), Patron.objects.count(), Loan.objects.count(),
                ApiKey.objects.count(), ImportJob.objects.count())  # fmt: skip


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "sent_as", "named"),
    BAD_INPUTS,
    ids=[f"{case[1]} {case[2]} {case[5]}" for case in BAD_INPUTS],
)
def test_each_bad_input_is_refused_in_a_sentence_naming_it(
    callers, role, method, path, body, sent_as, named
):
    client = callers[role]
    before = _state()
    if sent_as == "multipart":
        body = {"file": SimpleUploadedFile("books.csv", CSV), **body}
        response = client.post(path, body, format="multipart")
    elif sent_as == "json":
        response = getattr(client, method)(path, body, format="json")
    elif sent_as:
        response = getattr(client, method)(path, body, content_type=sent_as)
    else:
        response = getattr(client, method)(path)

    assert response.status_code == 400, response.content[:300]
    problem = response.json()
    said = [problem["detail"], *(m for ms in problem.get("errors", {}).values() for m in ms)]
    # A nested object's own error is named by its field ("contributors").
    assert not any(name.endswith(".non_field_errors") for name in problem.get("errors", {}))
    assert named in problem["detail"]
    for text in said:
        assert _is_sentence(text), text
        assert not any(default in text for default in DEFAULT_WORDING), text
    if named in problem.get("errors", {}):
        assert problem["errors"][named][0] in problem["detail"]
    assert _state() == before


@pytest.mark.parametrize(("given", "kept"), [("true", True), ("1", True), ("false", False),
                                             ("0", False), ("TRUE", True)])  # fmt: skip
def test_text_booleans_still_take_true_false_1_and_0(callers, given, kept):
    listed = callers["admin"].get(f"/api/v1/loans/?open={given}")
    assert listed.status_code == 200
    upload = callers["librarian"].post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("books.csv", CSV), "dry_run": given},
        format="multipart",
    )
    assert upload.status_code == 202, upload.content[:300]
    assert upload.json()["dry_run"] is kept


@pytest.mark.parametrize(
    ("language", "named"),
    [("en", "\u201ctitle\u201d, \u201cpublication_year\u201d"),
     ("fr", "\u00ab\u00a0title\u00a0\u00bb, \u00ab\u00a0publication_year\u00a0\u00bb")],
)  # fmt: skip
def test_several_wrong_fields_are_named_in_the_languages_quotes(callers, language, named):
    body = {"title": "", "publication_year": "soon", "summary": "Dune"}
    refused = callers["librarian"].post(
        "/api/v1/records/", body, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert refused.status_code == 400
    assert named in refused.json()["detail"]
    assert not Record.objects.filter(summary="Dune").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "This address does not take PUT; it takes GET, POST."),
     ("fr", "Cette adresse ne prend pas PUT\u00a0; elle prend GET, POST."),
     ("de", "Diese Adresse nimmt kein PUT an; sie nimmt GET, POST an."),
     ("es", "Esta dirección no admite PUT; admite GET, POST.")],
)  # fmt: skip
def test_a_method_an_address_does_not_take_is_told_what_it_takes(callers, language, words):
    response = callers["librarian"].put(
        "/api/v1/records/", {"title": "Dune"}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 405
    assert response.json()["detail"] == words
    assert Record.objects.filter(title="Dune").count() == 0


@pytest.mark.parametrize(
    ("body", "language", "words"),
    [(b"null", "fr", "pas null"), (b"null", "de", "nicht null"), (b"null", "es", "no null"),
     (b'{"title": NaN}', "fr", "n\u2019est pas un nombre JSON"),
     (b'{"title": NaN}', "de", "ist keine JSON-Zahl"),
     (b'{"title": NaN}', "es", "no es un n\u00famero JSON"),
     (b'{"contributors": "Hugo", "title": "Dune"}', "fr", "une liste"),
     (b'{"contributors": "Hugo", "title": "Dune"}', "de", "eine Liste"),
     (b'{"contributors": "Hugo", "title": "Dune"}', "es", "una lista")],
)  # fmt: skip
def test_a_body_of_the_wrong_shape_is_refused_in_the_callers_language(
    callers, body, language, words
):
    before = _state()
    response = callers["librarian"].post(
        "/api/v1/records/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert words in response.json()["detail"], response.json()
    assert _state() == before
