"""The official XML schemas of OAI-PMH, oai_dc and MARCXML, loaded from tests/data/xsd."""

from functools import cache
from pathlib import Path

import xmlschema

XSD = Path(__file__).resolve().parent.parent / "data" / "xsd"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
# Each namespace to its file here: the schemas' own imports name published addresses.
LOCATIONS = {
    OAI_DC_NS: str(XSD / "oai_dc.xsd"),
    DC_NS: str(XSD / "simpledc20021212.xsd"),
    MARC_NS: str(XSD / "MARC21slim.xsd"),
}


@cache
def oai_schema() -> xmlschema.XMLSchema:
    """OAI-PMH.xsd, with the metadata formats' schemas its records are checked against
    (its <metadata> takes any other namespace's element, strictly validated)."""
    return xmlschema.XMLSchema(
        str(XSD / "OAI-PMH.xsd"), locations=LOCATIONS, allow="local", defuse="always"
    )


@cache
def marc_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD / "MARC21slim.xsd"), allow="local")


def oai_valid(body: bytes) -> None:
    """Raise with the schema's reasons unless `body` is a valid OAI-PMH response."""
    oai_schema().validate(body)


def marc_valid(body: bytes) -> None:
    marc_schema().validate(body)


@cache
def oai_dc_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD / "oai_dc.xsd"), locations=LOCATIONS, allow="local")


def oai_dc_valid(body: bytes) -> None:
    oai_dc_schema().validate(body)
