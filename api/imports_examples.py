"""OpenAPI examples of the imports and exports API."""

from drf_spectacular.utils import OpenApiExample

_AT = "2026-11-20T09:30:00Z"
_JOB = {
    "id": 12, "format": "marc", "file_name": "catalog.mrc", "file_size": 48213390,
    "match_on": "either", "on_match": "update", "on_no_match": "create", "dry_run": False,
    "one_shot": False, "status": "staged", "error": "", "total": 120431, "created": 118002,
    "updated": 2210, "unchanged": 201, "rejected": 18, "progress": 1.0, "seconds_left": None,
    "started_by": "head@springfield.example", "created_at": _AT, "staged_at": _AT,
    "committed_at": None, "finished_at": None,
}  # fmt: skip
_ROW = {
    "position": 7, "action": "reject", "title": "",
    "reason": "No title: field 245 $a is missing or empty.", "identifiers": "001 ocm0042?",
    "match_record_id": None, "match_position": None, "record_id": None, "committed": False,
}  # fmt: skip
_EXPORT = {
    "id": 3, "format": "marc", "filters": {"language": "eng"}, "status": "done",
    "records": 5321, "error": "", "started_by": "API key 'Nightly backup'",
    "created_at": _AT, "finished_at": _AT,
}  # fmt: skip


def _page(rows: list[dict]) -> dict:
    return {"next": "https://demo.localhost/api/v1/…?cursor=cD0yNA%3D%3D", "previous": None,
            "results": rows}  # fmt: skip


IMPORT = OpenApiExample("Import job", value=_JOB, response_only=True, status_codes=["200", "202"])
IMPORT_QUEUED = OpenApiExample(
    "Queued import", value=_JOB | {"status": "queued", "total": 0, "progress": 0.0},
    response_only=True, status_codes=["202"],
)  # fmt: skip
IMPORT_PAGE = OpenApiExample("A page of imports", value=_page([_JOB]), response_only=True)
IMPORT_ROWS = OpenApiExample("Preview rows", value=_page([_ROW]), response_only=True)
EXPORT = OpenApiExample(
    "Export job", value=_EXPORT, response_only=True, status_codes=["200", "202"]
)
EXPORT_PAGE = OpenApiExample("A page of exports", value=_page([_EXPORT]), response_only=True)
EXPORT_INPUT = OpenApiExample(
    "MARC export of English records", request_only=True,
    value={"format": "marc", "filters": {"language": "eng"}},
)  # fmt: skip
