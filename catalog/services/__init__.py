"""Writes to the catalog, one module an entity: each service owns its transaction and records
its changes in the feed. Callers (the API, the staff pages, imports, tasks) import from here."""

from catalog.services.changes import changes_lock, changes_log
from catalog.services.covers import record_cover_remove, record_cover_set
from catalog.services.headings import (
    Heading,
    contributor_create,
    contributor_name_check,
    contributor_update,
    contributors_by_key,
    contributors_get_or_create,
    subject_create,
    subject_heading_check,
    subject_update,
    subjects_by_key,
    subjects_get_or_create,
)
from catalog.services.items import ItemData, item_create, item_delete, item_update
from catalog.services.locations import (
    location_code_check,
    location_create,
    location_delete,
    location_get_or_create,
    location_update,
)
from catalog.services.records import (
    RecordData,
    record_create,
    record_data_of,
    record_delete,
    record_patch,
    record_update,
)
from catalog.services.search_index import (
    SEARCH_TERMS_LOCK,
    record_search_refresh,
    search_term_ranks_sql,
    search_terms_lock,
    search_terms_refresh,
    search_vector_sql,
)

__all__ = [
    "SEARCH_TERMS_LOCK",
    "Heading",
    "ItemData",
    "RecordData",
    "changes_lock",
    "changes_log",
    "contributor_create",
    "contributor_name_check",
    "contributor_update",
    "contributors_by_key",
    "contributors_get_or_create",
    "item_create",
    "item_delete",
    "item_update",
    "location_code_check",
    "location_create",
    "location_delete",
    "location_get_or_create",
    "location_update",
    "record_cover_remove",
    "record_cover_set",
    "record_create",
    "record_data_of",
    "record_delete",
    "record_patch",
    "record_search_refresh",
    "record_update",
    "search_term_ranks_sql",
    "search_terms_lock",
    "search_terms_refresh",
    "search_vector_sql",
    "subject_create",
    "subject_heading_check",
    "subject_update",
    "subjects_by_key",
    "subjects_get_or_create",
]
