"""A record as the lookup hands it around: plain data, the shape of the lookup API's `record`."""

from typing import Any

from catalog.services import RecordData

Draft = dict[str, Any]


def draft_from_record_data(data: RecordData) -> Draft:
    return {
        "title": data.title,
        "subtitle": data.subtitle,
        "contributors": [{"name": name, "role": role} for name, role in data.contributors],
        "publisher": data.publisher,
        "publication_year": data.publication_year,
        "edition": data.edition,
        "language": data.language,
        "series": data.series,
        "summary": data.summary,
        "subjects": [{"heading": h, "scheme": s} for h, s in data.subjects],
        "identifiers": [{"kind": k, "value": v} for k, v in data.identifiers],
    }


def draft_blank(**values: Any) -> Draft:
    return draft_from_record_data(RecordData(title="")) | values
