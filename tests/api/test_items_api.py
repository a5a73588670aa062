"""Items through the API: barcodes, staff-only fields, versions and locations."""

from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.models import Change, Item, Location
from catalog.services import ItemData, RecordData, item_create, item_update, record_create


def test_create_item_and_find_it_by_barcode(writer, catalog, library):
    body = {"record": catalog.other_record.pk, "barcode": "B-2", "location": catalog.location.pk,
            "status": "in_processing", "price": "7.25"}  # fmt: skip
    response = writer.post("/api/v1/items/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["location"]["code"] == "MAIN"
    assert created["price"] == "7.25"
    assert response["ETag"] == '"v1"'

    by_path = writer.get("/api/v1/items/by-barcode/B-2/")
    assert by_path.status_code == 200
    assert by_path.json()["id"] == created["id"]
    by_query = writer.get("/api/v1/items/", {"barcode": "B-2"})
    assert [i["id"] for i in by_query.json()["results"]] == [created["id"]]
    assert writer.get("/api/v1/items/by-barcode/NOPE/").status_code == 404
    with schema_context(library.schema_name):
        assert Change.objects.filter(entity="item", entity_id=created["id"], action="created")


@pytest.mark.parametrize("barcode", ["123/2019", "A/B 1", "2019/"])
def test_an_accession_number_with_a_slash_is_found_by_its_address(writer, catalog, barcode):
    body = {"record": catalog.record.pk, "barcode": barcode}
    made = writer.post("/api/v1/items/", body, format="json")
    assert made.status_code == 201, made.json()

    found = writer.get(f"/api/v1/items/by-barcode/{quote(barcode, safe='')}/")

    assert found.status_code == 200, found.content
    assert (found.json()["id"], found.json()["barcode"]) == (made.json()["id"], barcode)


def test_item_filters(writer, catalog):
    writer.post("/api/v1/items/", {"record": catalog.record.pk, "barcode": "L-1",
                                   "status": "lost"}, format="json")  # fmt: skip

    def barcodes(**params):
        return sorted(i["barcode"] for i in writer.get("/api/v1/items/", params).json()["results"])

    assert barcodes(status="lost") == ["L-1"]
    assert barcodes(location="MAIN") == [catalog.item.barcode]
    assert barcodes(record=catalog.record.pk) == sorted(["L-1", catalog.item.barcode])
    assert writer.get("/api/v1/items/", {"status": "stolen"}).status_code == 400


def test_duplicate_barcode_is_a_field_error(writer, catalog, library):
    body = {"record": catalog.record.pk, "barcode": catalog.item.barcode}
    response = writer.post("/api/v1/items/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "barcode_taken"
    assert "barcode" in response.json()["errors"]
    other = writer.post("/api/v1/items/", {**body, "barcode": "X-9"}, format="json").json()
    clash = writer.patch(f"/api/v1/items/{other['id']}/", {"barcode": catalog.item.barcode},
                         format="json")  # fmt: skip
    assert clash.status_code == 400
    assert "barcode" in clash.json()["errors"]
    with schema_context(library.schema_name):
        assert Item.objects.get(pk=other["id"]).barcode == "X-9"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"barcode": "N-1"}, "record"),
        ({"barcode": "N-1", "record": 99999}, "record"),
        ({"barcode": "N-1", "location": 99999}, "location"),
        ({"barcode": "N-1", "price": "-1"}, "price"),
        ({"barcode": "N-1", "price": "123456789012"}, "price"),
        ({"barcode": "N-1", "status": "borrowed"}, "status"),
        ({"barcode": "x" * 65}, "barcode"),
        ({"barcode": "N-\x00"}, "barcode"),
        ({"barcode": "N-1", "acquired_on": "yesterday"}, "acquired_on"),
    ],
)
def test_bad_item_input_is_400(writer, catalog, library, body, field):
    body = {"record": catalog.record.pk, **body} if "record" not in body and field != "record" \
        else body  # fmt: skip
    response = writer.post("/api/v1/items/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    with schema_context(library.schema_name):
        assert Item.objects.count() == 1


def test_item_update_with_if_match(writer, catalog):
    url = f"/api/v1/items/{catalog.item.pk}/"
    ok = writer.patch(url, {"status": "missing"}, format="json", HTTP_IF_MATCH='"v1"')
    assert ok.status_code == 200
    assert ok.json()["status"] == "missing"
    assert ok.json()["staff_note"] == "Signed copy"
    assert ok["ETag"] == '"v2"'
    assert writer.patch(url, {"status": "lost"}, format="json",
                        HTTP_IF_MATCH='"v1"').status_code == 412  # fmt: skip
    assert writer.delete(url, HTTP_IF_MATCH='"v1"').status_code == 412
    assert writer.delete(url, HTTP_IF_MATCH='"v2"').status_code == 204
    assert writer.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "sees"),
    [("anonymous", False), ("read_key", False), ("viewer", True), ("librarian", True),
     ("admin", True), ("write_key", True)],
)  # fmt: skip
def test_staff_fields_reach_only_staff_and_write_keys(callers, catalog, role, sees):
    client = callers[role]
    for url in (f"/api/v1/items/{catalog.item.pk}/", f"/api/v1/items/by-barcode/"
                f"{catalog.item.barcode}/"):  # fmt: skip
        body = client.get(url).json()
        assert ("price" in body) is sees
        assert ("staff_note" in body) is sees
    listed = client.get("/api/v1/items/").json()["results"][0]
    assert ("price" in listed) is sees
    nested = client.get(f"/api/v1/records/{catalog.record.pk}/items/").json()["results"][0]
    assert ("staff_note" in nested) is sees


def test_locations_crud(writer, catalog, library):
    created = writer.post("/api/v1/locations/", {"code": "REF", "name": "Reference"},
                          format="json")  # fmt: skip
    assert created.status_code == 201
    location_id = created.json()["id"]
    dup = writer.post("/api/v1/locations/", {"code": "REF"}, format="json")
    assert dup.status_code == 400
    assert "code" in dup.json()["errors"]
    renamed = writer.put(f"/api/v1/locations/{location_id}/", {"code": "REF", "name": "Ref."},
                         format="json")  # fmt: skip
    assert renamed.json()["name"] == "Ref."
    in_use = writer.delete(f"/api/v1/locations/{catalog.location.pk}/")
    assert in_use.status_code == 409
    assert writer.delete(f"/api/v1/locations/{location_id}/").status_code == 204
    with schema_context(library.schema_name):
        assert list(Location.objects.values_list("code", flat=True)) == ["MAIN"]


def test_contributors_and_subjects(callers, catalog):
    client = callers["anonymous"]
    contributors = client.get("/api/v1/contributors/", {"name": "le gu"}).json()["results"]
    assert [c["name"] for c in contributors] == ["Le Guin, Ursula K."]
    one = client.get(f"/api/v1/contributors/{contributors[0]['id']}/")
    assert one.json()["name"] == "Le Guin, Ursula K."
    subjects = client.get("/api/v1/subjects/", {"heading": "science"}).json()["results"]
    assert [(s["heading"], s["scheme"]) for s in subjects] == [("Science fiction", "lcsh")]
    assert client.get(f"/api/v1/subjects/{subjects[0]['id']}/").status_code == 200
    assert client.get("/api/v1/subjects/", {"scheme": "mesh"}).json()["results"] == []
    assert client.get("/api/v1/contributors/99999/").status_code == 404


def test_a_copy_acquired_after_today_is_refused_naming_the_field(writer, catalog, library):
    with schema_context(library.schema_name):
        today = timezone.localdate()
    url = f"/api/v1/items/{catalog.item.pk}/"
    for day in (today + timedelta(days=1), date(9999, 12, 31)):
        refused = writer.patch(url, {"acquired_on": day.isoformat()}, format="json")
        assert refused.status_code == 400
        assert refused.json()["code"] == "acquired_on_future"
        assert "after today" in refused.json()["errors"]["acquired_on"][0]
        created = writer.post(
            "/api/v1/items/",
            {"record": catalog.record.pk, "barcode": "NEW-1", "acquired_on": day.isoformat()},
            format="json",
        )
        assert created.status_code == 400
    with schema_context(library.schema_name):
        assert Item.objects.get(pk=catalog.item.pk).acquired_on is None
        assert not Item.objects.filter(barcode="NEW-1").exists()
    assert writer.patch(url, {"acquired_on": today.isoformat()}, format="json").status_code == 200


def test_a_copy_stored_with_a_date_to_come_still_saves_its_other_fields(in_library):
    record = record_create(data=RecordData(title="Kindred"))
    item = item_create(record_id=record.pk, data=ItemData(barcode="OLD-1"))
    Item.objects.filter(pk=item.pk).update(acquired_on=date(9999, 12, 31))
    item_update(
        item_id=item.pk, data=ItemData(barcode="OLD-1", acquired_on=date(9999, 12, 31),
                                       status="missing"),
    )  # fmt: skip
    assert Item.objects.get(pk=item.pk).status == "missing"


def test_a_location_code_differing_only_in_case_is_refused(writer, catalog, library):
    for code in ("main", "Main", " MAIN "):
        refused = writer.post("/api/v1/locations/", {"code": code}, format="json")
        assert refused.status_code == 400, code
        assert "\u201cMAIN\u201d" in refused.json()["errors"]["code"][0]
    other = writer.post("/api/v1/locations/", {"code": "EAST"}, format="json").json()["id"]
    recoded = writer.patch(f"/api/v1/locations/{other}/", {"code": "main"}, format="json")
    assert recoded.status_code == 400
    with schema_context(library.schema_name):
        assert sorted(Location.objects.values_list("code", flat=True)) == ["EAST", "MAIN"]
        # Two codes alike from before still save.
        Location.objects.filter(pk=other).update(code="main")
    renamed = writer.patch(f"/api/v1/locations/{other}/", {"name": "Old main"}, format="json")
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["code"] == "main"


def test_patch_changes_a_location_s_name_or_code_and_keeps_its_copies(writer, catalog, library):
    url = f"/api/v1/locations/{catalog.location.pk}/"
    renamed = writer.patch(url, {"name": "Main hall"}, format="json")
    assert renamed.status_code == 200
    assert (renamed.json()["code"], renamed.json()["name"]) == ("MAIN", "Main hall")
    recoded = writer.patch(url, {"code": "HALL"}, format="json")
    assert (recoded.json()["code"], recoded.json()["name"]) == ("HALL", "Main hall")
    with schema_context(library.schema_name):
        item = Item.objects.select_related("location").get(pk=catalog.item.pk)
        assert (item.location_id, item.location.code) == (catalog.location.pk, "HALL")
    assert writer.get(f"/api/v1/items/{catalog.item.pk}/").json()["location"]["code"] == "HALL"


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Give the location's id (a number; GET /api/v1/locations/ lists them"),
     ("fr", "Donnez l\u2019identifiant de l\u2019emplacement"),
     ("de", "Geben Sie die ID des Standorts"),
     ("es", "Dé el identificador de la ubicación")],
)  # fmt: skip
def test_a_location_given_by_its_code_is_told_to_send_its_id(
    writer, catalog, library, language, words
):
    """Files, filters and settings name a location by its code; an item's body by its id."""
    body = {"record": catalog.record.pk, "barcode": "N-1", "location": "MAIN"}
    response = writer.post("/api/v1/items/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["errors"]["location"][0].startswith(words)
    with schema_context(library.schema_name):
        assert Item.objects.count() == 1


def test_the_document_says_an_items_location_is_its_id():
    from drf_spectacular.generators import SchemaGenerator

    spec = SchemaGenerator(urlconf="config.urls_library").get_schema(request=None, public=True)
    described = spec["components"]["schemas"]["ItemInputRequest"]["properties"]["location"]
    assert "id" in described["description"]
    assert "not its code" in described["description"]
