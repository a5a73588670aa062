"""Examples of lending's operations in the OpenAPI schema."""

from drf_spectacular.utils import OpenApiExample

_AT = "2026-11-20T09:30:00Z"


# Examples of list operations are one row: the generator puts it in the list (and the page).


def _out(name: str, value: object) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True)


def _in(name: str, value: object) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


_PATRON = {
    "id": 12, "name": "Shevek Anarres", "barcode": "P000123", "email": "shevek@example.org",
    "category": "adult", "expires_on": "2027-12-31", "notes": "", "blocked": False,
    "block_reason": "", "blocked_at": None, "blocked_by": "", "open_loans": 2,
    "has_pin": True, "created_at": _AT, "updated_at": _AT,
}  # fmt: skip
_LOAN = {
    "id": 501,
    "item": {"id": 101, "barcode": "31234000123456", "record": 42,
             "title": "The Left Hand of Darkness"},
    "patron": {"id": 12, "barcode": "P000123", "name": "Shevek Anarres"},
    "checked_out_at": _AT, "due_on": "2026-12-11", "renewals": 0, "returned_at": None,
    "overdue": False,
}  # fmt: skip
_HOLD = {
    "id": 31, "record": 42, "title": "The Left Hand of Darkness",
    "patron": {"id": 12, "barcode": "P000123", "name": "Shevek Anarres"}, "status": "waiting",
    "placed_at": _AT, "expires_on": None, "item_barcode": None, "shelf_until": None,
    "ended_at": None,
}  # fmt: skip
_RULE = {
    "id": 2, "patron_category": "child", "item_type": "dvd", "for_loan": True, "loan_days": 7,
    "max_loans": 5, "renewals": 1, "max_holds": 3,
}  # fmt: skip
_CLOSED = {"id": 4, "date": "2026-12-25", "reason": "Christmas Day"}
_STOCKTAKE = {"id": 9, "location": "MAIN-FIC", "started_at": _AT, "closed_at": None}
_STOCK_ITEM = {
    "id": 101, "barcode": "31234000123456", "call_number": "SF LEG",
    "title": "The Left Hand of Darkness", "status": "available", "location": "MAIN-FIC",
}  # fmt: skip
_PATRON_IMPORT = {
    "id": 3, "file_name": "patrons.csv", "status": "staged", "processed": 0, "error": "",
    "error_code": "", "total": 120, "created": 100,
    "updated": 15, "unchanged": 3, "rejected": 2, "started_by_label": "head@example.org",
    "created_at": _AT, "committed_at": None, "encoding": "utf-8", "warnings": [],
    "new_categories": ["bookmobile"], "categories_created": [], "waiting_for_job_queue": False,
}  # fmt: skip

PATRON = _out("Patron", _PATRON)
PATRON_PAGE = _out("A page of patrons", _PATRON)
PATRON_INPUT = _in(
    "New patron",
    {"name": "Shevek Anarres", "barcode": "P000123", "email": "shevek@example.org",
     "category": "adult", "expires_on": "2027-12-31", "pin": "1234"},
)  # fmt: skip
PATRON_EXPORT = _out(
    "What is kept about a patron",
    {"patron": {k: _PATRON[k] for k in ("name", "barcode", "email", "category", "expires_on")},
     "loans": [{"item_barcode": "31234000123456", "title": "The Left Hand of Darkness",
                "checked_out_at": _AT, "due_on": "2026-12-11", "renewals": 0,
                "returned_at": None}],
     "holds": [], "notices": []},
)  # fmt: skip
LOAN = _out("Loan", _LOAN)
LOAN_PAGE = _out("A page of loans", _LOAN)
CHECKOUT = _in("Check out", {"item_barcode": "31234000123456", "patron_barcode": "P000123"})
ITEM_BARCODE = _in("An item", {"item_barcode": "31234000123456"})
RETURN = _out(
    "Checked in, to the hold shelf",
    {"item": _LOAN["item"], "loan": {**_LOAN, "returned_at": _AT},
     "hold": {"id": 31, "patron": 14, "shelf_until": "2026-11-27"}},
)  # fmt: skip
HOLD = _out("Hold", _HOLD)
HOLD_PAGE = _out("A record's queue", _HOLD)
HOLD_INPUT = _in("Place a hold", {"record": 42, "patron_barcode": "P000123"})
RULE = _out("Lending rule", _RULE)
RULE_PAGE = _out("Lending rules", _RULE)
CLOSED = _out("Closed day", _CLOSED)
CLOSED_PAGE = _out("Closed days", _CLOSED)
ITEM_TYPES = _out("Items typed", {"updated": 2})
STOCKTAKE = _out("Stocktake", _STOCKTAKE)
STOCKTAKE_PAGE = _out("Stocktakes", _STOCKTAKE)
STOCKTAKE_SCANS = _out("A batch added", {"scanned": 48, "repeated": 2, "items": 47})
STOCKTAKE_REPORT = _out(
    "Stocktake report",
    {"stocktake": _STOCKTAKE, "seen": [_STOCK_ITEM], "missing": [], "misplaced": [],
     "unknown": ["31234999999999"]},
)  # fmt: skip
STOCKTAKE_MARKED = _out("Items marked missing", {"marked": 3})
PATRON_IMPORT = _out("Patron import", _PATRON_IMPORT)
PATRON_IMPORT_PAGE = _out("Patron imports", _PATRON_IMPORT)
PATRON_IMPORT_ROWS = _out(
    "The preview",
    {"position": 5, "action": "reject", "reason": "'not-an-email' is not an email address",
            "data": {"name": "Sabul", "barcode": "P-SABUL", "email": "not-an-email",
                     "category": "adult", "expires_on": None, "notes": ""}},
)  # fmt: skip
SETTINGS = OpenApiExample(
    "Lending settings",
    value={"anonymize_after_days": 30, "hold_shelf_days": 7, "due_soon_days": 2},
)
