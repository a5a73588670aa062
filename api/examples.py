"""Examples shown in the OpenAPI schema, one set per operation."""

from drf_spectacular.utils import OpenApiExample

_AT = "2026-11-20T09:30:00Z"

_RECORD = {
    "id": 42,
    "title": "The Left Hand of Darkness",
    "subtitle": "",
    "contributors": [{"id": 7, "name": "Le Guin, Ursula K.", "role": "author"}],
    "publisher": "Ace Books",
    "publication_year": 1969,
    "edition": "",
    "language": "eng",
    "series": "Hainish Cycle",
    "summary": "An envoy visits a planet whose people have no fixed sex.",
    "subjects": [{"id": 3, "heading": "Science fiction", "scheme": "lcsh"}],
    "identifiers": [{"kind": "isbn", "value": "9780441478125"}],
    "control_number": "69012345",
    "control_number_source": "DLC",
    "version": 3,
    "created_at": _AT,
    "updated_at": _AT,
}
_LOCATION = {"id": 1, "code": "MAIN-FIC", "name": "Main library, fiction"}
_ITEM = {
    "id": 101,
    "record": 42,
    "barcode": "31234000123456",
    "call_number": "SF LEG",
    "location": _LOCATION,
    "status": "available",
    "acquired_on": "2024-03-01",
    "public_note": "",
    "version": 1,
    "created_at": _AT,
    "updated_at": _AT,
    "price": "9.99",
    "staff_note": "Donated copy",
}


def _page(rows: list[dict]) -> dict:
    return {"next": "https://demo.localhost/api/v1/…?cursor=cD0yNA%3D%3D", "previous": None,
            "results": rows}  # fmt: skip


RECORD = OpenApiExample("Record", value=_RECORD, response_only=True)
RECORD_PAGE = OpenApiExample("A page of records", value=_page([_RECORD]), response_only=True)
RECORD_INPUT = OpenApiExample(
    "New record",
    request_only=True,
    value={
        "title": "The Left Hand of Darkness",
        "contributors": [{"name": "Le Guin, Ursula K.", "role": "author"}],
        "publisher": "Ace Books",
        "publication_year": 1969,
        "language": "eng",
        "subjects": [{"heading": "Science fiction", "scheme": "lcsh"}],
        "identifiers": [{"kind": "isbn", "value": "0-441-47812-3"}],
    },
)
RECORD_PATCH = OpenApiExample(
    "Correct the year", request_only=True, value={"publication_year": 1969}
)
ITEM = OpenApiExample("Item (as staff see it)", value=_ITEM, response_only=True)
ITEM_PAGE = OpenApiExample("A page of items", value=_page([_ITEM]), response_only=True)
ITEM_INPUT = OpenApiExample(
    "New item",
    request_only=True,
    value={"record": 42, "barcode": "31234000123456", "call_number": "SF LEG", "location": 1,
           "status": "available", "price": "9.99", "acquired_on": "2024-03-01"},
)  # fmt: skip
ITEM_PATCH = OpenApiExample("Mark as missing", request_only=True, value={"status": "missing"})
LOCATION = OpenApiExample("Location", value=_LOCATION, response_only=True)
LOCATION_PAGE = OpenApiExample("Locations", value=_page([_LOCATION]), response_only=True)
LOCATION_INPUT = OpenApiExample(
    "New location", request_only=True, value={"code": "MAIN-FIC", "name": "Main library, fiction"}
)
CONTRIBUTOR = OpenApiExample(
    "Contributor", value={"id": 7, "name": "Le Guin, Ursula K."}, response_only=True
)
CONTRIBUTOR_PAGE = OpenApiExample(
    "Contributors", value=_page([{"id": 7, "name": "Le Guin, Ursula K."}]), response_only=True
)
SUBJECT = OpenApiExample(
    "Subject", value={"id": 3, "heading": "Science fiction", "scheme": "lcsh"}, response_only=True
)
SUBJECT_PAGE = OpenApiExample(
    "Subjects",
    value=_page([{"id": 3, "heading": "Science fiction", "scheme": "lcsh"}]),
    response_only=True,
)
FACETS = OpenApiExample(
    "Facets of a search",
    response_only=True,
    value={
        "subject": [{"id": 3, "value": "Science fiction", "scheme": "lcsh", "count": 12}],
        "contributor": [{"id": 7, "value": "Le Guin, Ursula K.", "count": 9}],
        "language": [{"value": "eng", "count": 14}],
        "decade": [{"value": 1960, "count": 5}, {"value": 1970, "count": 9}],
    },
)
CHANGES = OpenApiExample(
    "Changes since a cursor",
    response_only=True,
    value={
        "results": [
            {"cursor": "1017", "entity": "record", "id": 42, "action": "updated",
             "deleted": False, "at": _AT},
            {"cursor": "1018", "entity": "item", "id": 99, "action": "deleted",
             "deleted": True, "at": _AT},
        ],
        "next_cursor": "1018",
        "has_more": False,
    },
)  # fmt: skip
TOKEN_REQUEST = OpenApiExample(
    "Staff credentials",
    request_only=True,
    value={"email": "librarian@springfield.example", "password": "correct horse battery"},
)
TOKEN = OpenApiExample(
    "A staff token",
    response_only=True,
    value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "email":
           "librarian@springfield.example", "role": "librarian"},
)  # fmt: skip
