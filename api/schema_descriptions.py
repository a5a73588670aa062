"""What each object of the OpenAPI document is, in an integrator's words.

drf-spectacular would describe a component by its serializer's docstring, which is written for
the engineers who change the serializer; the document says what the object is instead. Request
bodies, partial ones (`Patched…`) and pages (`Paginated…List`) take their object's words."""

import re
from typing import Any

# By component name, without `Patched`, a trailing `Request` or `Paginated…List`.
DESCRIPTIONS = {
    "ApiKey": "An API key of the library: its name, scope and dates; never its secret.",
    "ApiKeyCreate": "A new API key: its name, its scope (read or write) and when it expires.",
    "AuditEvent": "One thing a member of the library's staff did, who did it and when.",
    "Availability": "How many copies of each record asked for are in each status and where.",
    "ChangePage": "One page of the change feed and the cursor to read what follows.",
    "ChangeWithBody": "A record or item created, changed or deleted, in the feed's order.",
    "ChangedObject": "The record or item a change is about, as it is now.",
    "Checkout": "A check-out: the copy's barcode and the patron's.",
    "CirculationSettings": "The library's circulation periods, in days.",
    "ClosedDay": "A day the library is closed: no loan falls due on it.",
    "Contributor": "A person or body credited on records (an author, an editor).",
    "Cover": "A record's cover picture, at the size for result lists and for the record's page.",
    "CoverSize": "One size of a cover picture: its address and its size in pixels.",
    "Credit": "A contributor credited on a record, with the role they had.",
    "CreditInput": "A contributor to credit on a record, by name, with the role they had.",
    "DecadeFacet": "The records of one decade that a search matches.",
    "Domain": "A host name the library is reached on, and whether it is verified.",
    "DomainAdd": "A host name to add to the library.",
    "DomainVerification": "The DNS record that proves the library holds a host name.",
    "Error": "What went wrong: the body of every error answer (RFC 9457 problem details).",
    "ExportJob": "An export of the catalog to a file: its format, filters, progress and result.",
    "ExportJobCreate": "An export to start: the file's format, the records' filters, the CSV "
    "separator.",
    "FacetValue": "One value of a facet (a subject, a contributor, a language) and its records.",
    "Facets": "The values a search's records have, each with how many records have it.",
    "Grid": "A sheet of labels of your own: the page, the labels and the gaps, in millimetres.",
    "Hold": "A patron's request for a title, and where it stands.",
    "HoldInput": "A hold to place: the record, the patron's barcode and until when it holds.",
    "Identifier": "A number that identifies a record (an ISBN, an ISSN, an LCCN).",
    "IdentifierInput": "A number that identifies a record, with its kind.",
    "ImportJob": "An import of a catalog file: its options, progress, counts and warnings.",
    "ImportJobCreate": "A catalog file to import, and how its records meet the catalog's.",
    "ImportRow": "One record of an import file: what the import does with it, and why.",
    "ItemAsCallerSees": "A copy, with the staff fields when the caller may see them.",
    "ItemBarcode": "A copy, by its barcode.",
    "ItemInput": "A copy of a record: its barcode, call number, location, status and notes.",
    "ItemPublic": "A copy of a record as readers see it.",
    "ItemStaff": "A copy of a record as staff see it, with its price and staff note.",
    "ItemType": "The item type to give the copies with these barcodes.",
    "Labels": "Labels to print (barcodes or spines): which copies, and on what sheet.",
    "Library": "A library of the platform: its name, address and status.",
    "LibrarySettings": "The library's settings: its name, public catalog, default location, "
    "shared records, web origins, language, time zone and contact address.",
    "Loan": "A copy lent to a patron: when it is due and when it came back.",
    "LoanItem": "The copy a loan is of.",
    "LoanPatron": "The patron a loan is to.",
    "LoanRule": "How long, how many and how often a category of patrons may borrow a type of copy.",
    "Location": "A place the library keeps copies (a branch, a room, a shelf), by its code.",
    "LocationAvailability": "A record's copies at one location, by status.",
    "LocationInput": "A location: its code and its name.",
    "Patron": "A person who borrows from the library.",
    "PatronImport": "An import of a file of patrons: its progress and counts.",
    "PatronImportCreate": "A file of patrons to import.",
    "PatronImportRow": "One patron of an import file: what the import does with it, and why.",
    "PatronInput": "A patron's details.",
    "Record": "A bibliographic record: the description of a title, with its contributors, "
    "subjects and identifiers.",
    "RecordAvailability": "One record's copies, in total, by status and by location.",
    "RecordCover": "A record's cover picture at two sizes; null when it has none.",
    "RecordInput": "A bibliographic record's description, with its contributors, subjects and "
    "identifiers.",
    "Return": "A copy checked in: the copy, the loan it ended and the hold it now serves.",
    "Staff": "A member of the library's staff: their address, role and status.",
    "StaffInvite": "Someone to invite to the library's staff, with their role.",
    "StatusCounts": "How many copies are in each status, every status named.",
    "Stocktake": "A check of the copies on a location's shelves.",
    "StocktakeInput": "A stocktake to start, at a location.",
    "StocktakeItem": "A copy a stocktake is about.",
    "StocktakeReport": "What a stocktake found: the copies seen, missing, misplaced, and the "
    "barcodes no copy has.",
    "StocktakeScan": "Barcodes scanned on the shelves during a stocktake.",
    "Subject": "A subject heading records are about, in its scheme.",
    "SubjectInput": "A subject heading to link a record to, in its scheme.",
    "SubjectLink": "A subject heading a record is about.",
    "Token": "A staff sign-in token, and until when it holds.",
    "TokenRequest": "A member of staff's address and password, to get a sign-in token.",
}

_PAGE = re.compile(r"^Paginated(?P<name>.+)List$")
_PAGE_WORDS = "One page of a list; `next` and `previous` are the pages beside it. Each result: "
_PATCH_WORDS = " Only the fields sent change."


def component_description(name: str) -> str | None:
    """The description of the component `name`; None for one not listed."""
    if page := _PAGE.match(name):
        described = component_description(page["name"])
        return _PAGE_WORDS + described[0].lower() + described[1:] if described else None
    base = name.removeprefix("Patched")
    base = base.removesuffix("Request") if base not in DESCRIPTIONS else base
    described = DESCRIPTIONS.get(base)
    if described and name.startswith("Patched"):
        return described + _PATCH_WORDS
    return described


def components_describe(schemas: dict[str, Any]) -> None:
    """Give each object component its description (enumerations keep their list of values)."""
    for name, component in schemas.items():
        if "enum" in component:
            continue
        described = component_description(name)
        if described is not None:
            component["description"] = described
        else:
            component.pop("description", None)
