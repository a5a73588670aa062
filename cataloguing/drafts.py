"""A record as the lookup hands it around: plain data, the shape of the lookup API's `record`."""

from typing import Any

from catalog.services import RecordData, record_description

Draft = dict[str, Any]


def draft_from_record_data(data: RecordData) -> Draft:
    return {
        **record_description(data),
        "contributors": [{"name": name, "role": role} for name, role in data.contributors],
        "subjects": [{"heading": h, "scheme": s} for h, s in data.subjects],
        "identifiers": [{"kind": k, "value": v} for k, v in data.identifiers],
    }


def draft_blank(**values: Any) -> Draft:
    return draft_from_record_data(RecordData(title="")) | values
