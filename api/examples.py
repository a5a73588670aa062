"""Examples shown in the OpenAPI schema, one set per operation."""

from drf_spectacular.utils import OpenApiExample

_AT = "2026-11-20T09:30:00Z"

_COVER = {
    "thumbnail": {
        "url": "https://springfield.stacks.example/records/42/cover-3f9a0c1d2b4e6a8c-thumb.webp",
        "width": 120,
        "height": 180,
    },
    "large": {
        "url": "https://springfield.stacks.example/records/42/cover-3f9a0c1d2b4e6a8c-large.webp",
        "width": 400,
        "height": 600,
    },
}
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
    "cover": _COVER,
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


# Examples of list operations are one row: the generator puts it in the list (and the page).


RECORD = OpenApiExample("Record", value=_RECORD, response_only=True)
RECORD_MARCXML = OpenApiExample(
    "Record as MARCXML",
    media_type="application/marcxml+xml",
    response_only=True,
    value=(
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<record xmlns="http://www.loc.gov/MARC21/slim">'
        "<leader>00000nam a2200000 i 4500</leader>"
        '<controlfield tag="001">69012345</controlfield>'
        '<datafield tag="245" ind1="1" ind2="0"><subfield code="a">The Left Hand of Darkness'
        "</subfield></datafield>"
        '<datafield tag="852" ind1=" " ind2=" "><subfield code="b">MAIN</subfield>'
        '<subfield code="p">31234000123456</subfield></datafield></record>'
    ),
)
RECORD_MARC_JSON = OpenApiExample(
    "Record as MARC-in-JSON",
    media_type="application/marc+json",
    response_only=True,
    value={
        "leader": "00000nam a2200000 i 4500",
        "fields": [
            {"001": "69012345"},
            {"245": {"ind1": "1", "ind2": "0",
                     "subfields": [{"a": "The Left Hand of Darkness"}]}},
            {"852": {"ind1": " ", "ind2": " ",
                     "subfields": [{"b": "MAIN"}, {"p": "31234000123456"}]}},
        ],
    },
)  # fmt: skip
RECORD_JSON_LD = OpenApiExample(
    "Record as schema.org JSON-LD",
    media_type="application/ld+json",
    response_only=True,
    value={
        "@context": "https://schema.org", "@type": "Book",
        "@id": "https://springfield.stacks.example/records/42/",
        "url": "https://springfield.stacks.example/records/42/",
        "name": "The Left Hand of Darkness",
        "author": [{"@type": "Person", "name": "Le Guin, Ursula K."}],
        "isbn": "9780441478125", "datePublished": "1969", "inLanguage": "English",
    },
)  # fmt: skip
RECORD_PAGE = OpenApiExample("A page of records", value=_RECORD, response_only=True)
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
ITEM_PAGE = OpenApiExample("A page of items", value=_ITEM, response_only=True)
_ITEM_PUBLIC = {k: v for k, v in _ITEM.items() if k not in ("price", "staff_note")}
ITEM_PUBLIC = OpenApiExample(
    "Item (as anonymous readers and read keys see it)", value=_ITEM_PUBLIC, response_only=True
)
ITEM_PUBLIC_PAGE = OpenApiExample(
    "A page of items (as anonymous readers and read keys see it)",
    value=_ITEM_PUBLIC,
    response_only=True,
)
ITEM_INPUT = OpenApiExample(
    "New item",
    request_only=True,
    value={"record": 42, "barcode": "31234000123456", "call_number": "SF LEG", "location": 1,
           "status": "available", "price": "9.99", "acquired_on": "2024-03-01"},
)  # fmt: skip
ITEM_PATCH = OpenApiExample("Mark as missing", request_only=True, value={"status": "missing"})
LOCATION = OpenApiExample("Location", value=_LOCATION, response_only=True)
LOCATION_PAGE = OpenApiExample("Locations", value=_LOCATION, response_only=True)
LOCATION_INPUT = OpenApiExample(
    "New location", request_only=True, value={"code": "MAIN-FIC", "name": "Main library, fiction"}
)
CONTRIBUTOR = OpenApiExample(
    "Contributor", value={"id": 7, "name": "Le Guin, Ursula K."}, response_only=True
)
CONTRIBUTOR_PAGE = OpenApiExample(
    "Contributors", value={"id": 7, "name": "Le Guin, Ursula K."}, response_only=True
)
SUBJECT = OpenApiExample(
    "Subject", value={"id": 3, "heading": "Science fiction", "scheme": "lcsh"}, response_only=True
)
SUBJECT_PAGE = OpenApiExample(
    "Subjects",
    value={"id": 3, "heading": "Science fiction", "scheme": "lcsh"},
    response_only=True,
)
FACETS = OpenApiExample(
    "Facets of a search",
    response_only=True,
    value={
        "count": 14,
        "estimated": False,
        "subject": [{"id": 3, "value": "Science fiction", "scheme": "lcsh", "count": 12}],
        "contributor": [{"id": 7, "value": "Le Guin, Ursula K.", "count": 9}],
        "language": [{"value": "eng", "count": 14}],
        "decade": [{"value": 1960, "count": 5}, {"value": 1970, "count": 9}],
    },
)
_NONE_BY_STATUS = {
    "available": 0, "on_loan": 0, "missing": 0, "lost": 0, "damaged": 0, "withdrawn": 0,
    "in_processing": 0, "on_hold_shelf": 0,
}  # fmt: skip
AVAILABILITY = OpenApiExample(
    "Copies of two records",
    response_only=True,
    value={
        "results": [
            {"record": 42, "total": 3,
             "by_status": _NONE_BY_STATUS | {"available": 1, "on_loan": 1, "on_hold_shelf": 1},
             "by_location": [
                 {"code": "BR2", "name": "Branch 2", "total": 1,
                  "by_status": _NONE_BY_STATUS | {"on_loan": 1}},
                 {"code": "MAIN", "name": "Main library", "total": 2,
                  "by_status": _NONE_BY_STATUS | {"available": 1, "on_hold_shelf": 1}},
             ]},
            {"record": 43, "total": 0, "by_status": _NONE_BY_STATUS, "by_location": []},
        ]
    },
)  # fmt: skip
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
    value={"token": "stt_Qm9vay1sZW5kZXItMjAyNi1leGFtcGxlLXRva2Vu", "expires_at":
           "2026-11-02T21:00:00Z", "email": "librarian@springfield.example",
           "role": "librarian"},
)  # fmt: skip

# The library's administration (admins only).
_STAFF = {
    "id": 5,
    "email": "reference@springfield.example",
    "role": "librarian",
    "status": "invited",
    "last_login": None,
    "date_joined": _AT,
}
_API_KEY = {
    "id": 3,
    "name": "Discovery layer",
    "prefix": "3f9a1c2b7d4e",
    "scope": "read",
    "created_by": "head@springfield.example",
    "created_at": _AT,
    "expires_at": None,
    "revoked_at": None,
    "revoked": False,
    "last_used_at": _AT,
}
_DOMAIN = {
    "id": 2,
    "domain": "catalog.springfield.example",
    "is_primary": True,
    "is_verified": True,
    "verified_at": "2026-11-02T09:00:00Z",
    "verification": {
        "name": "_stacks-challenge.catalog.springfield.example",
        "value": "stacks-domain-verification=0f3c9a1d7be24e58a6c1d2e3f4a5b6c7",
    },
}
_SETTINGS = {"name": "Springfield Public Library", "public_catalog": True,
             "default_location_code": "MAIN", "share_records": False, "language": "fr",
             "time_zone": "America/Toronto", "contact_email": "desk@springfield.example",
             "cors_origins": ["https://discover.springfield.example"], "version": 3}  # fmt: skip
_AUDIT = {
    "id": 17,
    "actor": "head@springfield.example",
    "action": "api_key.create",
    "action_label": "API key created",
    "target": "Discovery layer",
    "detail": {"scope": "read"},
    "created_at": _AT,
}

STAFF = OpenApiExample("Staff member", value=_STAFF, response_only=True)
STAFF_PAGE = OpenApiExample("A page of staff", value=_STAFF, response_only=True)
STAFF_INVITE = OpenApiExample(
    "Invitation", value={"email": "reference@springfield.example", "role": "librarian"},
    request_only=True,
)  # fmt: skip
API_KEY = OpenApiExample("API key", value=_API_KEY, response_only=True)
API_KEY_PAGE = OpenApiExample("A page of API keys", value=_API_KEY, response_only=True)
API_KEY_CREATED = OpenApiExample(
    "New API key (the secret is shown this once)",
    value={**_API_KEY, "key": "stk_3f9a1c2b7d4e_…"},
    response_only=True,
    status_codes=["201"],
)
API_KEY_INPUT = OpenApiExample(
    "New API key", value={"name": "Discovery layer", "scope": "read"}, request_only=True
)
DOMAIN = OpenApiExample("Domain", value=_DOMAIN, response_only=True)
DOMAIN_LIST = OpenApiExample("The library's domains", value=_DOMAIN, response_only=True)
DOMAIN_INPUT = OpenApiExample(
    "Custom domain", value={"domain": "catalog.springfield.example"}, request_only=True
)
SETTINGS = OpenApiExample("Settings", value=_SETTINGS, response_only=True)
SETTINGS_INPUT = OpenApiExample("Turn the public catalog off", value={"public_catalog": False},
                                request_only=True)  # fmt: skip
SETTINGS_CORS_INPUT = OpenApiExample(
    "Let a discovery layer's pages read the API",
    value={"cors_origins": ["https://discover.springfield.example", "http://localhost:3000"]},
    request_only=True,
)
AUDIT_PAGE = OpenApiExample("A page of the audit log", value=_AUDIT, response_only=True)

# Imports and exports.
_IMPORT_JOB = {
    "id": 12,
    "format": "marc",
    "file_name": "springfield-catalog.mrc",
    "file_size": 48213312,
    "match_on": "either",
    "on_match": "update",
    "on_no_match": "create",
    "dry_run": False,
    "one_shot": False,
    "status": "staged",
    "error": "",
    "error_code": "",
    "total": 41210,
    "created": 39876,
    "updated": 1203,
    "unchanged": 120,
    "rejected": 11,
    "progress": 1.0,
    "seconds_left": None,
    "started_by": "head@springfield.example",
    "warnings": [],
    "created_at": _AT,
    "staged_at": _AT,
    "committed_at": None,
    "finished_at": None,
    "waiting_for_job_queue": False,
}
_IMPORT_ROW = {
    "position": 7,
    "line": 8,
    "action": "update",
    "reason": "Matched record 42 on ISBN 9780441478125.",
    "title": "The Left Hand of Darkness",
    "identifiers": "9780441478125",
    "match_record_id": 42,
    "match_position": None,
    "match_line": None,
    "record_id": None,
    "committed": False,
}
_EXPORT_JOB = {
    "id": 4,
    "format": "marc",
    "separator": ",",
    "filters": {"language": "eng", "year_from": 1990},
    "status": "done",
    "records": 18342,
    "error": "",
    "error_code": "",
    "started_by": "head@springfield.example",
    "created_at": _AT,
    "finished_at": _AT,
    "waiting_for_job_queue": False,
}
IMPORT_JOB = OpenApiExample("Import job", value=_IMPORT_JOB, response_only=True)
IMPORT_JOB_DETAIL = OpenApiExample(
    "Import job", value={**_IMPORT_JOB, "preview_outdated": []}, response_only=True
)
IMPORT_JOB_QUEUED = OpenApiExample(
    "Queued import job",
    value={**_IMPORT_JOB, "status": "queued", "total": 0, "created": 0, "updated": 0,
           "unchanged": 0, "rejected": 0, "progress": 0.0, "staged_at": None},
    response_only=True,
    status_codes=["202"],
)  # fmt: skip
IMPORT_JOB_PAGE = OpenApiExample("A page of import jobs", value=_IMPORT_JOB,
                                 response_only=True)  # fmt: skip
IMPORT_ROW_PAGE = OpenApiExample("A page of the preview", value=_IMPORT_ROW,
                                 response_only=True)  # fmt: skip
EXPORT_JOB = OpenApiExample("Export job", value=_EXPORT_JOB, response_only=True)
EXPORT_JOB_QUEUED = OpenApiExample(
    "Queued export job", value={**_EXPORT_JOB, "status": "queued", "records": 0,
                                "finished_at": None},
    response_only=True, status_codes=["202"],
)  # fmt: skip
EXPORT_JOB_INPUT = OpenApiExample(
    "Export English records since 1990 as MARC",
    value={"format": "marc", "filters": {"language": "eng", "year_from": 1990}},
    request_only=True,
)
EXPORT_JOB_CSV_SEMICOLON = OpenApiExample(
    "Export every record as CSV for Excel in French, German or Spanish",
    value={"format": "csv", "separator": ";"},
    request_only=True,
)
EXPORT_JOB_PAGE = OpenApiExample("A page of export jobs", value=_EXPORT_JOB,
                                 response_only=True)  # fmt: skip
IMPORT_JOB_COMMITTING = OpenApiExample(
    "Import job being committed",
    value={**_IMPORT_JOB, "status": "committing", "progress": 0.0, "seconds_left": None},
    response_only=True,
    status_codes=["202"],
)

# Scan-to-add's lookup.
RECORD_LOOKUP = OpenApiExample(
    "A record another library shares, found in the pool",
    value={
        "isbn": "9780441478125",
        "results": [
            {
                "source": "pool",
                "library": "Shelbyville Library",
                "record": {
                    "title": "The Left Hand of Darkness", "subtitle": "",
                    "contributors": [{"name": "Le Guin, Ursula K.", "role": "author"}],
                    "publisher": "Ace Books", "publication_year": 1969, "edition": "",
                    "language": "eng", "series": "", "summary": "",
                    "subjects": [{"heading": "Science fiction", "scheme": "lcsh"}],
                    "identifiers": [{"kind": "isbn", "value": "9780441478125"}],
                },
            }
        ],
        "failures": [],
        "next_barcode": "31000000000010",
    },
    response_only=True,
)  # fmt: skip

COVER = OpenApiExample("The record's cover", value=_COVER, response_only=True)
