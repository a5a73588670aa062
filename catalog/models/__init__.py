"""The catalog's tables. They live in each library's schema; code here never names a library.

The records and what they link to are in records, the search index's tables in search.
"""

from catalog.models.records import (
    MAX_YEAR,
    SUBJECT_SCHEME_DEFAULT,
    Change,
    Contributor,
    Credit,
    Identifier,
    IdentifierValue,
    Item,
    Location,
    Record,
    RecordContributor,
    RecordSubject,
    Subject,
    SubjectLink,
    credit_shown,
    identifier_shown,
)
from catalog.models.search import RecordSearch, SearchTerm, SearchTermRank, SearchWord

__all__ = [
    "MAX_YEAR",
    "SUBJECT_SCHEME_DEFAULT",
    "Change",
    "Contributor",
    "Credit",
    "Identifier",
    "IdentifierValue",
    "Item",
    "Location",
    "Record",
    "RecordContributor",
    "RecordSearch",
    "RecordSubject",
    "SearchTerm",
    "SearchTermRank",
    "SearchWord",
    "Subject",
    "SubjectLink",
    "credit_shown",
    "identifier_shown",
]
