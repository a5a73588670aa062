"""The catalog API's serializers: input ones check and shape requests, output ones render rows.

Input serializers never save anything: views hand their `.data_for_service()` to a service.
"""

import copy
import operator
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

import orjson
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from api.strict import ChoiceField, StrictInputSerializer, not_whole_message
from catalog.identifiers import InvalidIdentifier, identifier_normalize
from catalog.models import (
    MAX_YEAR,
    Change,
    Contributor,
    Identifier,
    Item,
    Location,
    Record,
    RecordContributor,
    Subject,
)
from catalog.search import (
    ORDERINGS,
    RECORD_COLUMNS,
    RecordFilters,
    language_filter_refusal,
    year_range_refusal,
)
from catalog.search.lookups import identifier_parse, ids_parse, isbn_parse
from catalog.services import (
    RECORD_CONTROL,
    RECORD_DESCRIPTION,
    SUBJECT_SCHEME_DEFAULT,
    ItemData,
    RecordData,
)
from common.errors import ApplicationError

MAX_LINKS = 200
# Ids or barcodes one lookup takes.
MAX_LOOKUP = 200


# Input -----------------------------------------------------------------------------------


class CreditInputSerializer(StrictInputSerializer):
    returned_as = "CreditSerializer"

    name = serializers.CharField(max_length=500)
    role = ChoiceField(
        choices=RecordContributor.Role.choices, default=RecordContributor.Role.AUTHOR
    )


class SubjectInputSerializer(StrictInputSerializer):
    returned_as = "SubjectLinkSerializer"

    heading = serializers.CharField(max_length=500)
    scheme = serializers.CharField(max_length=32, default=SUBJECT_SCHEME_DEFAULT)


class IdentifierInputSerializer(StrictInputSerializer):
    kind = ChoiceField(choices=Identifier.Kind.choices)
    value = serializers.CharField(max_length=64)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["value"] = identifier_normalize(attrs["kind"], attrs["value"])
        except InvalidIdentifier as exc:
            raise serializers.ValidationError({"value": [exc.message]}) from None
        return attrs


def _links(child: serializers.Serializer) -> serializers.ListSerializer:
    """A record's list of links: optional, at most MAX_LINKS."""
    return serializers.ListSerializer(child=child, default=list, max_length=MAX_LINKS)


class RecordInputSerializer(StrictInputSerializer):
    returned_as = "RecordSerializer"

    title = serializers.CharField(max_length=1000)
    subtitle = serializers.CharField(max_length=1000, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=500, allow_blank=True, default="")
    publication_year = serializers.IntegerField(
        min_value=0, max_value=MAX_YEAR, allow_null=True, default=None
    )
    edition = serializers.CharField(max_length=200, allow_blank=True, default="")
    language = serializers.CharField(
        max_length=40, allow_blank=True, default="",
        help_text="A code of the MARC code list for languages (ISO 639-2/B): eng, fre, ger. "
        "A record stored with a code no longer on the list keeps it until the code changes.",
    )  # fmt: skip
    series = serializers.CharField(max_length=500, allow_blank=True, default="")
    summary = serializers.CharField(max_length=20000, allow_blank=True, default="")
    control_number = serializers.CharField(max_length=64, allow_blank=True, default="")
    control_number_source = serializers.CharField(max_length=64, allow_blank=True, default="")
    contributors = _links(CreditInputSerializer())
    subjects = _links(SubjectInputSerializer())
    identifiers = _links(IdentifierInputSerializer())

    def data_for_service(self) -> RecordData:
        """The record's whole new description (create, or replace with PUT)."""
        data = self.validated_data
        return RecordData.of_fields(
            data,
            # A partial update skips nested defaults: the serializer's defaults apply here.
            contributors=[
                (c["name"], c.get("role", RecordContributor.Role.AUTHOR))
                for c in data["contributors"]
            ],
            subjects=[
                (s["heading"], s.get("scheme", SUBJECT_SCHEME_DEFAULT)) for s in data["subjects"]
            ],
            identifiers=[(i["kind"], i["value"]) for i in data["identifiers"]],
        )

    def changes_for_service(self) -> dict[str, Any]:
        """Only the fields sent, as record_patch takes them (RecordData's names)."""
        sent = self.validated_data
        changes = {name: value for name, value in sent.items() if name not in _LINKS}
        if "contributors" in sent:
            changes["contributors"] = [
                (c["name"], c.get("role", RecordContributor.Role.AUTHOR))
                for c in sent["contributors"]
            ]
        if "subjects" in sent:
            changes["subjects"] = [
                (s["heading"], s.get("scheme", SUBJECT_SCHEME_DEFAULT)) for s in sent["subjects"]
            ]
        if "identifiers" in sent:
            changes["identifiers"] = [(i["kind"], i["value"]) for i in sent["identifiers"]]
        return changes


_LINKS = ("contributors", "subjects", "identifiers")


class LocationIdField(serializers.IntegerField):
    """A location's id; or the location as an item answers it (`{"id", "code", "name"}`),
    so an item read, edited and sent back whole is taken: its id is what counts. Files,
    filters and settings name a location by its code, so a code here is told what to send."""

    default_error_messages = {
        **serializers.IntegerField.default_error_messages,
        "invalid": gettext_lazy(
            "Give the location's id (a number; GET /api/v1/locations/ lists them with their "
            "codes), not its code."
        ),
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, dict):
            if "id" not in data:
                raise serializers.ValidationError(
                    gettext("Give the location's id, or the location as read with its id.")
                )
            data = data["id"]
        if isinstance(data, float):
            raise serializers.ValidationError(not_whole_message(data))
        return super().to_internal_value(data)


class ItemInputSerializer(StrictInputSerializer):
    returned_as = "ItemStaffSerializer"

    record = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    barcode = serializers.CharField(max_length=64)
    call_number = serializers.CharField(max_length=200, allow_blank=True, default="")
    location = LocationIdField(
        min_value=1, max_value=2**63 - 1, allow_null=True, default=None,
        help_text="The location's id (a number, not its code: GET /api/v1/locations/ lists "
        "each with its code); null for none.",
    )  # fmt: skip
    status = ChoiceField(
        choices=Item.Status.choices, default=Item.Status.AVAILABLE,
        help_text="`on_hold_shelf`: kept for the patron whose hold was trapped for it (not "
        "available to others). Only circulation sets and clears it: a write may keep it, but "
        "setting it is refused (400 `item_status_reserved`) and so is changing it (409 "
        "`item_on_hold_shelf`) until the copy is lent to that patron or the hold ends. A copy "
        "with an open loan keeps `on_loan` until it is checked in (changing it: 409 "
        "`item_on_loan`); setting `on_loan` by hand is allowed, and such a copy with no loan "
        "recorded is checked in or lent as it stands.",
    )  # fmt: skip
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, allow_null=True, default=None
    )
    acquired_on = serializers.DateField(allow_null=True, default=None)
    public_note = serializers.CharField(max_length=1000, allow_blank=True, default="")
    staff_note = serializers.CharField(max_length=1000, allow_blank=True, default="")

    def data_for_service(self, current: Item | None = None) -> ItemData:
        data = {**(item_input_from(current) if current is not None else {}), **self.validated_data}
        # ItemData's names are the input's, but for the location's id and the record (which
        # the item's write takes on its own).
        data["location_id"] = data.pop("location")
        data.pop("record", None)
        return ItemData(**data)


def item_input_from(item: Item) -> dict[str, Any]:
    return {
        "record": item.record_id,
        "barcode": item.barcode,
        "call_number": item.call_number,
        "location": item.location_id,
        "status": item.status,
        "price": item.price,
        "acquired_on": item.acquired_on,
        "public_note": item.public_note,
        "staff_note": item.staff_note,
    }


class LocationInputSerializer(StrictInputSerializer):
    returned_as = "LocationSerializer"

    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200, allow_blank=True, default="")


class TokenRequestSerializer(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class RecordSearchParamsSerializer(serializers.Serializer):
    """The query string of a record search (list and facets)."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=500,
        help_text='Web-search syntax: words, "quoted phrases", -excluded, or; or an ISBN.',
    )  # fmt: skip
    contributor = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    subject = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    # Checked in one place, so that a wrong code gets one sentence rather than one a rule.
    language = serializers.CharField(
        required=False, help_text="A three-letter MARC language code: eng, fre, ger."
    )
    year_from = serializers.IntegerField(required=False, min_value=0, max_value=MAX_YEAR)
    year_to = serializers.IntegerField(required=False, min_value=0, max_value=MAX_YEAR)
    location = serializers.CharField(required=False, max_length=32, help_text="Location code.")
    item_status = ChoiceField(required=False, choices=Item.Status.choices)
    updated_since = serializers.DateTimeField(required=False)
    isbn = serializers.CharField(
        required=False, max_length=32, help_text="Records with this ISBN, in any form."
    )
    identifier = serializers.CharField(
        required=False, max_length=100,
        help_text="Records with this identifier, as kind:value (e.g. issn:0317-8471).",
    )  # fmt: skip
    ids = serializers.CharField(
        required=False, max_length=200 * 20,
        help_text=f"These records only: up to {MAX_LOOKUP} ids, separated by commas.",
    )  # fmt: skip
    ordering = ChoiceField(
        required=False, choices=sorted(ORDERINGS),
        help_text="relevance (default with q), title, year, updated, newest (default); "
        "prefix - to reverse title, year, updated.",
    )  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        """The fields of the parameters the query string has (each is optional, none has a
        default, so the others would be skipped anyway): a copy of every field for every
        search cost more than checking the query. Without data (the schema) every field."""
        data = getattr(self, "initial_data", None)
        if data is None:
            return super().get_fields()
        return {
            name: copy.deepcopy(field)
            for name, field in self._declared_fields.items()  # type: ignore[attr-defined]
            if name in data
        }

    def validate_language(self, value: str) -> str:
        if refused := language_filter_refusal(value):
            raise serializers.ValidationError(refused)
        return value.strip().lower()

    def validate_isbn(self, value: str) -> tuple[str, str]:
        try:
            return isbn_parse(value)
        except InvalidIdentifier as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate_identifier(self, value: str) -> tuple[str, str]:
        try:
            return identifier_parse(value)
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate_ids(self, value: str) -> tuple[int, ...]:
        return _ids(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "isbn" in attrs and "identifier" in attrs:
            raise serializers.ValidationError(
                {"isbn": [gettext("Send isbn or identifier, not both.")]}
            )
        if backwards := year_range_refusal(attrs.get("year_from"), attrs.get("year_to")):
            raise serializers.ValidationError({"year_from": [backwards]})
        return attrs

    def filters(self) -> RecordFilters:
        v = self.validated_data
        return RecordFilters(
            contributor=v.get("contributor"),
            subject=v.get("subject"),
            language=v.get("language"),
            year_from=v.get("year_from"),
            year_to=v.get("year_to"),
            location=v.get("location"),
            item_status=v.get("item_status"),
            updated_since=v.get("updated_since"),
            ids=v.get("ids"),
            identifier=v.get("isbn") or v.get("identifier"),
        )


def _ids(value: str) -> tuple[int, ...]:
    try:
        return ids_parse(value)
    except ApplicationError as exc:
        raise serializers.ValidationError(exc.message) from None


class AvailabilityParamsSerializer(serializers.Serializer):
    ids = serializers.CharField(
        max_length=200 * 20, allow_blank=True,
        help_text=f"The records: up to {MAX_LOOKUP} ids, separated by commas.",
        error_messages={"required": format_lazy(
            gettext_lazy("Send 1 to {most} ids, separated by commas."), most=MAX_LOOKUP
        )},
    )  # fmt: skip

    def validate_ids(self, value: str) -> tuple[int, ...]:
        return _ids(value)


class ItemListParamsSerializer(serializers.Serializer):
    record = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    barcode = serializers.CharField(required=False, max_length=64)
    barcodes = serializers.CharField(
        required=False, max_length=200 * 65,
        help_text=f"These barcodes only: up to {MAX_LOOKUP}, separated by commas.",
    )  # fmt: skip
    status = ChoiceField(required=False, choices=Item.Status.choices)

    def validate_barcodes(self, value: str) -> tuple[str, ...]:
        parts = tuple(p.strip() for p in value.split(",") if p.strip())
        if not parts or len(parts) > MAX_LOOKUP or any(len(p) > 64 for p in parts):
            raise serializers.ValidationError(
                gettext("Send 1 to %(most)s barcodes of up to 64 characters, separated by commas.")
                % {"most": MAX_LOOKUP}
            )
        return parts

    location = serializers.CharField(required=False, max_length=32, help_text="Location code.")


class NameParamsSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=500, help_text="Name prefix.")


class SubjectParamsSerializer(serializers.Serializer):
    heading = serializers.CharField(required=False, max_length=500, help_text="Heading prefix.")
    scheme = serializers.CharField(required=False, max_length=32)


class ChangeParamsSerializer(serializers.Serializer):
    # A cursor is a string wherever it appears (next_cursor, each change's cursor, since).
    since = serializers.RegexField(
        r"^[0-9]{1,18}$", required=False, default="0",
        error_messages={"invalid": gettext_lazy(
            "Give the next_cursor of the previous page (up to 18 digits), or 0 to start from "
            "the beginning."
        )},
        help_text='The next_cursor of the previous page; "0" (default) starts from the '
        "beginning.",
    )  # fmt: skip
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)
    embed = ChoiceField(
        choices=["body"], required=False,
        help_text="body: each change carries the record or item as it is now (null when "
        "deleted), so no further GET is needed.",
    )  # fmt: skip


# Output ----------------------------------------------------------------------------------


class CreditSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contributor_id")
    name = serializers.CharField(source="contributor_name")
    role = ChoiceField(choices=RecordContributor.Role.choices)


class SubjectLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="subject_id")
    heading = serializers.CharField(source="subject_heading")
    scheme = serializers.CharField(source="subject_scheme")


class IdentifierSerializer(serializers.Serializer):
    kind = ChoiceField(choices=Identifier.Kind.choices)
    value = serializers.CharField()


class CoverSizeSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The picture (WebP); a new cover gets a new address.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class CoverSerializer(serializers.Serializer):
    """A record's cover at its two sizes: for result lists and for the record's page."""

    thumbnail = CoverSizeSerializer()
    large = CoverSizeSerializer()


def cover_data(record: Record, base_url: str) -> dict[str, Any]:
    """CoverSerializer's shape for a record that has a cover; `base_url` is the record page's."""
    return _cover(
        f"{base_url}cover-{record.cover_token}", record.cover_thumb_width,
        record.cover_thumb_height, record.cover_large_width, record.cover_large_height,
    )  # fmt: skip


def _cover(address: str, thumb_width: int, thumb_height: int, large_width: int,
           large_height: int) -> dict[str, Any]:  # fmt: skip
    return {
        "thumbnail": {"url": f"{address}-thumb.webp", "width": thumb_width, "height": thumb_height},
        "large": {"url": f"{address}-large.webp", "width": large_width, "height": large_height},
    }


class RecordCoverSerializer(CoverSerializer):
    """A record's cover read from the record itself (null when it has none)."""

    def to_representation(self, instance: Any) -> Any:
        return record_cover(instance, site_base(self.context.get("request")))


class RecordListSerializer(serializers.ListSerializer):
    """A page of records, each as RecordSerializer renders it, the time zone looked up once."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        zone, base = _answer_zone(), site_base(self.context.get("request"))
        return [record_answer(record, zone, base) for record in data]


class RecordSerializer(serializers.ModelSerializer[Record]):
    # The lists catalog.selectors.record_links_attach gives each record.
    contributors = CreditSerializer(source="credit_list", many=True, read_only=True)
    subjects = SubjectLinkSerializer(source="subject_link_list", many=True, read_only=True)
    identifiers = IdentifierSerializer(source="identifier_list", many=True, read_only=True)
    cover = RecordCoverSerializer(
        source="*", read_only=True, allow_null=True,
        help_text="The record's cover at its two sizes; null when it has none.",
    )  # fmt: skip

    class Meta:
        model = Record
        fields = [
            "id", *RECORD_DESCRIPTION, "contributors", "subjects", "identifiers",
            *RECORD_CONTROL, "cover", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = RecordListSerializer

    def to_representation(self, record: Record) -> dict[str, Any]:
        return record_answer(record, _answer_zone(), site_base(self.context.get("request")))


def site_base(request: Any) -> str:
    """The library's site address ("https://host/") the request came to; "/" without one, so
    that addresses stay right relative to the site."""
    return str(request.build_absolute_uri("/")) if request is not None else "/"


def record_cover(record: Record, base: str) -> dict[str, Any] | None:
    """The record's cover (CoverSerializer's shape), None when it has none."""
    return cover_data(record, f"{base}records/{record.id}/") if record.cover else None


# A record as a row of RECORD_COLUMNS, the columns record_answers reads.
_RECORD_ROW = operator.attrgetter(*RECORD_COLUMNS)
_ANSWERED = operator.itemgetter(
    *(
        RECORD_COLUMNS.index(name)
        for name in (
            "id", *RECORD_DESCRIPTION, *RECORD_CONTROL, "cover", "cover_thumb_width",
            "cover_thumb_height", "cover_large_width", "cover_large_height", "version",
            "created_at", "updated_at",
        )
    )
)  # fmt: skip


def record_answer(record: Record, zone: tzinfo, base: str = "/") -> dict[str, Any]:
    """RecordSerializer's declared fields (which the schema documents), built directly:
    through the generic path a page of 50 records visits a field object for every value,
    several thousand calls that cost more than the page's SQL. tests/api/test_records_api.py
    holds this equal to the generic path."""
    return _answer(
        _RECORD_ROW(record),
        [
            {"id": contributor_id, "name": name, "role": role}
            for contributor_id, name, role in record.credit_list
        ],
        [
            {"id": subject_id, "heading": heading, "scheme": scheme}
            for subject_id, heading, scheme in record.subject_link_list
        ],
        [{"kind": kind, "value": value} for kind, value in record.identifier_list],
        zone,
        base,
        stamp=_timestamp,
    )


def record_answers(
    rows: list[tuple[Any, ...]], links: tuple[list[tuple[Any, ...]], ...], base: str = "/"
) -> list[dict[str, Any]]:
    """record_answer's dicts for records given as rows (RECORD_COLUMNS, id first, anything
    after them ignored) and their links as catalog.selectors.record_links_rows reads them:
    each dict built straight from its rows (a record instance per row, or named tuples for
    the links, cost a page of records more than its dicts)."""
    zone = _answer_zone()
    credits: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in rows}
    subjects: dict[int, list[dict[str, Any]]] = {record_id: [] for record_id in credits}
    identifiers: dict[int, list[dict[str, Any]]] = {record_id: [] for record_id in credits}
    credit_rows, subject_rows, identifier_rows = links
    for record_id, contributor_id, name, role in credit_rows:
        credits[record_id].append({"id": contributor_id, "name": name, "role": role})
    for record_id, subject_id, heading, scheme in subject_rows:
        subjects[record_id].append({"id": subject_id, "heading": heading, "scheme": scheme})
    for record_id, kind, value in identifier_rows:
        identifiers[record_id].append({"kind": kind, "value": value})
    return [
        _answer(
            row, credits[row[0]], subjects[row[0]], identifiers[row[0]], zone, base,
            stamp=_timestamp_rendered,
        )
        for row in rows
    ]  # fmt: skip


def _answer(
    row: tuple[Any, ...], contributors: list[dict[str, Any]], subjects: list[dict[str, Any]],
    identifiers: list[dict[str, Any]], zone: tzinfo, base: str, *,
    stamp: Callable[[datetime | None, tzinfo], Any],
) -> dict[str, Any]:  # fmt: skip
    """A record's answer from its row (RECORD_COLUMNS) with its links' dicts, its timestamps
    given by `stamp`. The description's fields are RECORD_DESCRIPTION's, written out (a
    merged dict per record cost more)."""
    (
        record_id, title, subtitle, publisher, publication_year, edition, language, series,
        summary, control_number, control_number_source, cover, thumb_width, thumb_height,
        large_width, large_height, version, created_at, updated_at,
    ) = _ANSWERED(row)  # fmt: skip
    return {
        "id": record_id,
        "title": title,
        "subtitle": subtitle,
        "publisher": publisher,
        "publication_year": publication_year,
        "edition": edition,
        "language": language,
        "series": series,
        "summary": summary,
        "contributors": contributors,
        "subjects": subjects,
        "identifiers": identifiers,
        "control_number": control_number,
        "control_number_source": control_number_source,
        "cover": _cover(
            f"{base}records/{record_id}/cover-{cover.rsplit('/', 1)[-1]}", thumb_width,
            thumb_height, large_width, large_height,
        ) if cover else None,
        "version": version,
        "created_at": stamp(created_at, zone),
        "updated_at": stamp(updated_at, zone),
    }  # fmt: skip


def _answer_zone() -> tzinfo:
    """The current time zone; UTC as the very object the database's timestamps carry, so that
    _timestamp need not convert them."""
    zone = timezone.get_current_timezone()
    return UTC if str(zone) == "UTC" else zone


def _timestamp(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as Z), without its
    per-value lookups of settings and the time zone."""
    if value is None:
        return None
    if zone is UTC and value.tzinfo is zone:
        # The same text as isoformat's with Z for +00:00, a fraction of the cost; a page has
        # a hundred of these.
        return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _timestamp_rendered(value: datetime | None, zone: tzinfo) -> datetime | str | None:
    """_timestamp's text, or in UTC the timestamp itself, which the API's renderers write
    as that very text (orjson with OPT_UTC_Z, DRF's encoder for indented JSON): a page of
    records writes a hundred of them in one call rather than one call each."""
    if zone is UTC and value is not None and value.tzinfo is zone:
        return value
    return _timestamp(value, zone)


class LocationSerializer(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ItemPublicSerializer(serializers.ModelSerializer[Item]):
    """An item as anonymous readers and read keys see it: no price, no staff note."""

    location = LocationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Item
        fields = [
            "id", "record", "barcode", "call_number", "location", "status", "acquired_on",
            "public_note", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ItemStaffSerializer(ItemPublicSerializer):
    """An item with the fields only staff accounts and write keys see."""

    class Meta(ItemPublicSerializer.Meta):
        fields = [*ItemPublicSerializer.Meta.fields, "price", "staff_note"]
        read_only_fields = fields


def _item_as_caller_sees(many: bool | None = None) -> PolymorphicProxySerializer:
    """What a read of items answers depends on the caller: one of the two shapes, each
    complete (one schema component, whether for one item or a list)."""
    return PolymorphicProxySerializer(
        component_name="ItemAsCallerSees",
        serializers=[ItemStaffSerializer, ItemPublicSerializer],
        resource_type_field_name=None,
        many=many,
    )


ITEM_AS_CALLER_SEES = _item_as_caller_sees()
ITEMS_AS_CALLER_SEES = _item_as_caller_sees(many=True)


class ContributorSerializer(serializers.ModelSerializer[Contributor]):
    class Meta:
        model = Contributor
        fields = ["id", "name"]
        read_only_fields = fields


class SubjectSerializer(serializers.ModelSerializer[Subject]):
    class Meta:
        model = Subject
        fields = ["id", "heading", "scheme"]
        read_only_fields = fields


class ChangeSerializer(serializers.ModelSerializer[Change]):
    cursor = serializers.CharField(source="pk", help_text="Resume after this change with it.")
    id = serializers.IntegerField(source="entity_id", help_text="The record's or item's id.")
    deleted = serializers.SerializerMethodField(help_text="A tombstone: the entity is gone.")

    class Meta:
        model = Change
        fields = ["cursor", "entity", "id", "action", "deleted", "at"]
        read_only_fields = fields

    def get_deleted(self, change: Change) -> bool:
        return change.action == Change.Action.DELETED


class ChangeWithBodySerializer(ChangeSerializer):
    body = PolymorphicProxySerializer(
        component_name="ChangedObject",
        serializers=[RecordSerializer, ItemStaffSerializer, ItemPublicSerializer],
        resource_type_field_name=None,
        required=False,
        allow_null=True,
        help_text="With ?embed=body: the object as it is now; null for a deletion.",
    )

    class Meta(ChangeSerializer.Meta):
        fields = [*ChangeSerializer.Meta.fields, "body"]
        read_only_fields = fields


class ChangePageSerializer(serializers.Serializer):
    results = ChangeWithBodySerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as `since` to get what follows.")
    has_more = serializers.BooleanField()


class FacetValueSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    value = serializers.CharField()
    scheme = serializers.CharField(required=False)
    count = serializers.IntegerField()


class DecadeFacetSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="The decade's first year.")
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="The records the search matches.")
    estimated = serializers.BooleanField(
        help_text="Whether `count` and the facets' counts are estimates: a search matching "
        "more than a stated number of records (STACKS_SEARCH_EXACT_UP_TO, 5,000 by default) "
        "has them counted over a sample of its matches."
    )
    subject = FacetValueSerializer(many=True)
    contributor = FacetValueSerializer(many=True)
    language = FacetValueSerializer(many=True)
    decade = DecadeFacetSerializer(many=True)


class StatusCountsSerializer(serializers.Serializer):
    """Copies in each status, every status named (0 when none)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {status: serializers.IntegerField() for status in Item.Status.values}


class LocationAvailabilitySerializer(serializers.Serializer):
    code = serializers.CharField(help_text='The location\'s code ("" for copies without one).')
    name = serializers.CharField()
    total = serializers.IntegerField()
    by_status = StatusCountsSerializer()


class RecordAvailabilitySerializer(serializers.Serializer):
    record = serializers.IntegerField(help_text="The record's id.")
    total = serializers.IntegerField(help_text="Its copies, in any status.")
    by_status = StatusCountsSerializer()
    by_location = LocationAvailabilitySerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    results = RecordAvailabilitySerializer(
        many=True, help_text="The records asked for that the catalog has, in the order asked."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    email = serializers.EmailField()
    role = serializers.CharField()
