"""What each object of the OpenAPI document is, in an integrator's words.

drf-spectacular would describe a component by its serializer's docstring, which is written for
the engineers who change the serializer; the document says what the object is instead. Request
bodies, partial ones (`Patched…`) and pages (`Paginated…List`) take their object's words."""

import re
from typing import Any

# By component name, without `Patched`, a trailing `Request` or `Paginated…List`.
DESCRIPTIONS = {
    "ApiKey": "An API key of the library: its name, scope and dates; never its secret.",
    "ApiKeyCreate": "A new API key: its name, its scope, whether it has the patron scope and "
    "when it expires.",
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
    "OutdatedRecord": "A record that changed after an import was previewed, which its refused "
    "commit names.",
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
    "ImportJobDetail": "An import of a catalog file: its options, progress, counts and "
    "warnings, and whether its preview is out of date.",
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
    """Give each object component its description (enumerations keep their list of values),
    and each of its properties without words of its own the words FIELD_DESCRIPTIONS has."""
    for name, component in schemas.items():
        if "enum" in component:
            continue
        described = component_description(name)
        if described is not None:
            component["description"] = described
        else:
            component.pop("description", None)
        properties = component.get("properties", {})
        for field, spec in list(properties.items()):
            if spec.get("description") or not (said := property_description(name, field)):
                continue
            if "$ref" in spec:
                # Words beside a $ref are ignored (OpenAPI 3.0): they go beside an allOf.
                spec = properties[field] = {"allOf": [{"$ref": spec.pop("$ref")}], **spec}
            spec["description"] = said


# What each property's value means, by `Component.field` (the component named as above) or, for
# a field that means the same wherever it is, by its name alone. A serializer's or model's
# help_text, when it has one, comes first: these are for the fields that have none.
FIELD_DESCRIPTIONS = {
    # Pages and errors
    "next": "The address of the next page; null on the last.",
    "previous": "The address of the previous page; null on the first.",
    "results": "The objects of this page, in the list's order.",
    "ChangePage.has_more": "Whether more changes follow this page (read them from `next_cursor`).",
    "Error.type": "A URI naming the kind of problem; about:blank when the title says it all.",
    "Error.title": "The status's name, in the caller's language.",
    "Error.status": "The HTTP status code of the answer.",
    "Error.detail": "What went wrong and what to do, in a sentence in the caller's language.",
    "Error.code": "A stable name for the problem (`invalid`, `not_found`), for programs.",
    "Error.errors": "For an invalid request: each field refused, with what is wrong with it.",
    # Ids, times and people, wherever they are
    "id": "The object's id: the whole number in its address.",
    "version": "The object's version, raised by each change: the number in its ETag.",
    "created_at": "When it was made.",
    "updated_at": "When it last changed.",
    "started_by": "The account or API key that started it.",
    "finished_at": "When it ended, done or failed; null while it runs.",
    "committed_at": "When its rows were written to the catalog; null until then.",
    "error": "Why it failed, in the caller's language; empty unless it failed.",
    "error_code": "Why it failed, as a stable name for programs; empty unless it failed.",
    "file_name": "The uploaded file's name.",
    # Records and what they link to
    "title": "The title, as it appears on the title page.",
    "Record.subtitle": "The rest of the title: a subtitle or other title information.",
    "Record.publisher": "Who published it.",
    "Record.publication_year": "The year it was published; null when unknown.",
    "Record.edition": "Its edition (2nd ed., Revised edition).",
    "Record.series": "The series it belongs to, with its number in the series.",
    "Record.summary": "A summary of its contents.",
    "Record.contributors": "The people and bodies credited on it, in the order credited.",
    "Record.subjects": "The subject headings it is about.",
    "Record.identifiers": "Its numbers: ISBNs, ISSNs, LCCNs, OCLC numbers.",
    "Record.control_number": "Its number in the catalog it came from (a MARC 001).",
    "Record.control_number_source": "The catalog that control number is of (a MARC 003).",
    "Credit.id": "The contributor's id.",
    "Credit.name": "The contributor's name, surname first (Le Guin, Ursula K.).",
    "Credit.role": "What the contributor did for this title.",
    "Contributor.name": "The contributor's name, surname first (Le Guin, Ursula K.).",
    "Identifier.kind": "What kind of number it is.",
    "Identifier.value": "The number, as the catalog keeps it (an ISBN without hyphens).",
    "scheme": "The scheme the subject heading is of (lcsh, mesh; local for the library's own).",
    "heading": "The subject heading, as the scheme writes it.",
    "SubjectLink.id": "The subject's id.",
    "Cover.thumbnail": "The picture at the size of a result list.",
    "Cover.large": "The picture at the size of the record's page.",
    "CoverSize.width": "Its width in pixels.",
    "CoverSize.height": "Its height in pixels.",
    # Copies, locations and their counts
    "barcode": "The barcode, as it is scanned.",
    "call_number": "The call number: where the copy stands on the shelves.",
    "status": "Where it stands.",
    "public_note": "A note readers see.",
    "staff_note": "A note only staff see.",
    "price": "What the copy cost, in the library's currency, as text with its cents "
    '("12.50"; a JSON number is refused); null when unknown.',
    "acquired_on": "The day the library got the copy; null when unknown.",
    "record": "The record's id.",
    "Item.record": "The id of the record this is a copy of.",
    "LoanItem.id": "The copy's id.",
    "LoanItem.record": "The id of the record the copy is of.",
    "LoanPatron.id": "The patron's id.",
    "LoanPatron.barcode": "The patron's barcode.",
    "StocktakeItem.id": "The copy's id.",
    "location": "The location's code.",
    "Item.location": "The location it is kept at; null for a copy without one.",
    "StocktakeItem.location": "The code of the location it is kept at; null without one.",
    "code": "The location's code, as labels and imports name it.",
    "Location.name": "The location's name, as readers see it.",
    "LocationAvailability.name": "The location's name, as readers see it.",
    "LocationAvailability.total": "Its copies there, in any status.",
    "by_status": "How many copies are in each status.",
    "RecordAvailability.by_location": "Its copies at each location.",
    # Search facets
    "Facets.subject": "The subjects of the matching records, most records first.",
    "Facets.contributor": "The contributors of the matching records, most records first.",
    "Facets.language": "The languages of the matching records, most records first.",
    "Facets.decade": "The decades the matching records were published in.",
    "FacetValue.id": "The subject's or contributor's id, to narrow the search by; none for a "
    "language.",
    "FacetValue.value": "The value as shown: a heading, a name or a language code.",
    "count": "How many of the matching records have it.",
    # The change feed
    "ChangeWithBody.at": "When the change was made.",
    "ChangeWithBody.entity": "Whether the change is to a record or to an item.",
    "ChangeWithBody.action": "What happened to it.",
    # Imports and exports
    "format": "The file's format.",
    "ExportJob.separator": "The CSV's column separator.",
    "filters": "Which records: the record list's filters, by name (`ids`, `location`, ...).",
    "ExportJob.records": "How many records the file holds.",
    "ImportJob.match_on": "How the file's records are matched to the catalog's.",
    "ImportJob.on_match": "What is done with a record that matches one of the catalog.",
    "ImportJob.on_no_match": "What is done with a record that matches none of the catalog.",
    "ImportJob.dry_run": "Whether it only staged the file, for a preview, and writes nothing.",
    "ImportJob.file_size": "The file's size in bytes.",
    "ImportJob.read_as": (
        "What a MARC file was read as: `unimarc` for a UNIMARC file (each record written in "
        "MARC 21 as it is read); empty for a file read as its format says."
    ),
    "ImportJob.staged_at": "When the file was read and staged; null until then.",
    "ImportJob.seconds_left": "An estimate of the seconds until it is done; null when unknown.",
    "ImportJob.started_by": "The account or API key that started it.",
    "ImportJobCreate.file": "The catalog file: MARC 21 or UNIMARC, MARCXML or CSV.",
    "ImportJobCreate.match_on": "How the file's records are matched to the catalog's.",
    "ImportJobCreate.on_match": "What to do with a record that matches one of the catalog.",
    "ImportJobCreate.on_no_match": "What to do with a record that matches none of the catalog.",
    "ImportJobCreate.dry_run": "Stage the file for a preview and write nothing.",
    "ImportJobCreate.one_shot": "Commit as soon as staged, without a preview.",
    "total": "How many rows the file has.",
    "created": "How many rows made a new object.",
    "updated": "How many rows changed an object already there.",
    "unchanged": "How many rows matched an object already as the file gives it.",
    "rejected": "How many rows were refused, each with its reason.",
    "PatronImport.processed": "How many rows have been read so far.",
    "PatronImport.started_by_label": "The account that started it.",
    "PatronImport.categories_created": "The patron categories committing the file created "
    "(no patron or lending rule had them before), by code: `new_categories` once committed.",
    "PatronImport.encoding": (
        "The encoding the file is read in: utf-8, or cp1252 (Windows-1252) for a file that is "
        "not UTF-8, as Excel on Windows saves CSV."
    ),
    "ImportRow.action": "What the import does with the record.",
    "ImportRow.reason": "Why: a rejection's cause, or the match found.",
    "ImportRow.title": "The record's title, as the file gives it.",
    "ImportRow.identifiers": "The record's identifiers, as the file gives them.",
    "ImportRow.match_record_id": "The id of the catalog's record it matches; null for none.",
    "ImportRow.match_position": "The position of the earlier row of the file it matches; null "
    "for none.",
    "ImportRow.record_id": "The id of the record it wrote; null until it is committed.",
    "ImportRow.committed": "Whether the row has been written to the catalog.",
    "PatronImportRow.action": "What the import does with the patron.",
    "PatronImportRow.reason": "Why the row is refused; empty for a row taken.",
    "PatronImportRow.data": "The patron's fields, as read from the row.",
    # Lending
    "name": "The name, as staff and readers see it.",
    "Patron.name": "The patron's name.",
    "Patron.email": "The patron's email address, for notices; empty for none.",
    "Patron.category": (
        "The patron's category, which the loan rules are written for: one the library has, "
        "sent by its code or by its name in any of Stacks's languages ('Erwachsene': adult)."
    ),
    "Patron.expires_on": "The day the patron's card expires; null for never.",
    "Patron.notes": "Notes about the patron, for staff.",
    "Patron.blocked": "Whether the patron is blocked: no check-outs, renewals or holds until "
    "staff lift it. Send true with a `block_reason` to block, false to lift; left out, the "
    "block stays as it is.",
    "Patron.block_reason": "Why the patron is blocked, as the desk shows it; empty when not "
    "blocked. Needed to block.",
    "Patron.blocked_at": "When the block was set (a new reason keeps it); null when not blocked.",
    "Patron.blocked_by": "Who set the block: a staff member's email or an API key's name "
    '("API key \'Self-check\'", or "a removed API key" for a key since deleted); empty when '
    "not blocked.",
    "Patron.pin": "The PIN the patron signs in with at a self-check machine (digits).",
    "Patron.has_pin": "Whether the patron has a PIN.",
    "Patron.open_loans": "How many copies the patron has on loan now.",
    "LoanPatron.name": "The patron's name.",
    "Loan.item": "The copy lent.",
    "Loan.patron": "The patron it is lent to; null once the loan is anonymized.",
    "Loan.checked_out_at": "When it was checked out.",
    "Loan.due_on": "The day it is due back.",
    "Loan.renewals": "How many times it has been renewed.",
    "Loan.returned_at": "When it came back; null while it is out.",
    "Loan.overdue": "Whether it is out past its due day.",
    "Return.item": "The copy checked in.",
    "Return.hold": "The hold the copy now serves, on the hold shelf; null for none.",
    "item_barcode": "The copy's barcode.",
    "patron_barcode": "The patron's barcode.",
    "Hold.record": "The id of the record held.",
    "HoldInput.record": "The id of the record to hold.",
    "Hold.title": "The title held.",
    "Hold.patron": "The patron who placed it.",
    "Hold.placed_at": "When it was placed.",
    "expires_on": "The day it lapses if not filled; null for never.",
    "Hold.item_barcode": "The copy trapped for it; null until one is.",
    "Hold.shelf_until": "The last day the copy waits on the hold shelf; null until trapped.",
    "Hold.ended_at": "When it was fulfilled, cancelled or expired; null while open.",
    "patron_category": "The patrons' category it is for; empty for every category.",
    "item_type": "The copies' type it is for; empty for every type.",
    "ItemType.item_type": "The type to give the copies; empty for none.",
    "ItemType.item_barcodes": "The barcodes of the copies.",
    "LoanRule.for_loan": "Whether these copies may be lent at all.",
    "LoanRule.loan_days": "How many days a loan lasts.",
    "LoanRule.max_loans": "How many such copies a patron may have on loan at once.",
    "LoanRule.renewals": "How many times a loan may be renewed.",
    "LoanRule.max_holds": "How many holds a patron may have at once.",
    "CirculationSettings.anonymize_after_days": "Days after a return that the loan loses its "
    "patron (0: at once).",
    "CirculationSettings.hold_shelf_days": "Days a trapped copy waits on the hold shelf.",
    "CirculationSettings.due_soon_days": "Days before the due day that the due-soon notice "
    "goes (0: none).",
    "ClosedDay.date": "The day the library is closed.",
    "ClosedDay.reason": "Why it is closed (a holiday's name).",
    # Stocktakes and labels
    "Stocktake.location": "The code of the location checked.",
    "Stocktake.started_at": "When it began.",
    "Stocktake.closed_at": "When it was closed; null while open.",
    "StocktakeItem.title": "The copy's title.",
    "StocktakeItem.status": "The copy's status.",
    "StocktakeReport.stocktake": "The stocktake.",
    "StocktakeReport.seen": "The copies scanned that belong here.",
    "StocktakeReport.missing": "The copies kept here that were not scanned.",
    "StocktakeReport.misplaced": "The copies scanned here that belong elsewhere.",
    "StocktakeReport.unknown": "The barcodes scanned that no copy has.",
    "StocktakeScan.barcodes": "The barcodes scanned, in the order scanned.",
    "Labels.kind": "Which labels to print.",
    "Labels.layout": "The sheet to print on.",
    "Labels.start_position": "The first free label of a part-used sheet, counted across.",
    "Labels.import_job": "The copies an import job made.",
    "Labels.created_from": "The copies added on or after this day.",
    "Labels.created_to": "The copies added on or before this day.",
    "Labels.location": "The copies kept at the location with this code.",
    "Labels.barcodes": "The copies with these barcodes, in this order.",
    "Grid.page_width_mm": "The sheet's width.",
    "Grid.page_height_mm": "The sheet's height.",
    "Grid.columns": "How many labels across.",
    "Grid.rows": "How many labels down.",
    "Grid.label_width_mm": "One label's width.",
    "Grid.label_height_mm": "One label's height.",
    "Grid.top_mm": "The margin above the first row.",
    "Grid.left_mm": "The margin left of the first column.",
    "Grid.column_gap_mm": "The gap between two columns.",
    "Grid.row_gap_mm": "The gap between two rows.",
    # Staff, keys, domains, settings, audit
    "email": "The email address the account signs in with.",
    "password": "The account's password.",
    "role": "The account's role: what it may do.",
    "Staff.status": "Whether the account is active, invited or deactivated.",
    "Staff.date_joined": "When the account was made.",
    "Staff.last_login": "When it last signed in; null for never.",
    "Token.token": "The token: send it as `Authorization: Bearer <token>`.",
    "Token.expires_at": "When the token stops working.",
    "ApiKey.name": "The key's name, saying who or what uses it.",
    "ApiKey.prefix": "The key's first characters, to tell it from the others.",
    "ApiKey.scope": "The key's scope.",
    "ApiKey.patrons": "Whether the key has the patron scope: patrons, loans and holds.",
    "ApiKey.created_by": "The address of the account that issued it.",
    "expires_at": "When it stops working; null for never.",
    "ApiKey.revoked_at": "When it was revoked; null unless it was.",
    "ApiKey.revoked": "Whether it was revoked.",
    "ApiKey.last_used_at": "When it was last used; null for never.",
    "domain": "The host name (catalog.example.org).",
    "Domain.is_primary": "Whether the library's addresses are written with this host name.",
    "Domain.is_verified": "Whether its DNS record proved the library holds it.",
    "Domain.verified_at": "When it was verified; null until it is.",
    "LibrarySettings.name": "The library's name, as readers see it.",
    "LibrarySettings.public_catalog": "Whether anyone may search the catalog, signed in or not.",
    "LibrarySettings.default_location_code": "The location new copies get when none is "
    "given; empty for none.",
    "LibrarySettings.share_records": "Whether the library's records join the platform's "
    "shared pool, for other libraries to copy.",
    "AuditEvent.action": "What was done, as a stable name for programs.",
    "AuditEvent.target": "What it was done to.",
    "AuditEvent.detail": "The particulars of what was done.",
}


def property_description(component: str, field: str) -> str | None:
    """What the property `field` of the component `component` means; None for one not listed."""
    base = re.sub(_PAGE, r"\g<name>", component).removeprefix("Patched")
    base = base.removesuffix("Request") if base not in DESCRIPTIONS else base
    for name in (base, _FAMILY.get(base)):
        if name and (said := FIELD_DESCRIPTIONS.get(f"{name}.{field}")):
            return said
    if base == "StatusCounts":
        return f"How many copies are `{field}`."
    return FIELD_DESCRIPTIONS.get(field)


# Components that say the same fields in other shapes.
_FAMILY = {
    "ImportJobDetail": "ImportJob",
    "RecordInput": "Record", "CreditInput": "Credit", "IdentifierInput": "Identifier",
    "SubjectInput": "Subject", "ItemInput": "Item", "ItemPublic": "Item", "ItemStaff": "Item",
    "LocationInput": "Location", "PatronInput": "Patron", "HoldInput": "Hold",
    "ExportJobCreate": "ExportJob", "ApiKeyCreate": "ApiKey", "StaffInvite": "Staff",
    "TokenRequest": "Token", "DomainAdd": "Domain", "ItemAsCallerSees": "Item",
    "RecordCover": "Cover",
}  # fmt: skip
