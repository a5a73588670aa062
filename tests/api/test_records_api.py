"""Records through the API: reading, writing, ETags, and bad input answered with field errors."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Change, Record
from staff.services import api_key_create
from tests.conftest import LIBRARY_HOST


def test_list_and_retrieve_records(callers, catalog):
    response = callers["anonymous"].get("/api/v1/records/")
    assert response.status_code == 200
    titles = [r["title"] for r in response.json()["results"]]
    assert titles == ["A Wizard of Earthsea", "The Left Hand of Darkness"]

    detail = callers["anonymous"].get(f"/api/v1/records/{catalog.record.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["contributors"] == [
        {"id": body["contributors"][0]["id"], "name": "Le Guin, Ursula K.", "role": "author"}
    ]
    assert body["identifiers"] == [{"kind": "isbn", "value": "9780441478125"}]
    assert detail["ETag"] == '"v1"'


NEW_RECORD = {
    "title": "Kindred",
    "contributors": [{"name": "Butler, Octavia E.", "role": "author"}],
    "publication_year": 1979,
    "language": "eng",
    "subjects": [{"heading": "Time travel", "scheme": "lcsh"}],
    "identifiers": [{"kind": "isbn", "value": "978-0-8070-8305-5"}],
}


def test_create_record_normalises_identifiers_and_logs_a_change(writer, library):
    response = writer.post("/api/v1/records/", NEW_RECORD, format="json")
    assert response.status_code == 201, response.json().get("errors")
    body = response.json()
    assert body["identifiers"] == [{"kind": "isbn", "value": "9780807083055"}]
    assert body["subjects"][0]["heading"] == "Time travel"
    assert response["ETag"] == '"v1"'
    with schema_context(library.schema_name):
        assert Record.objects.filter(pk=body["id"], title="Kindred").exists()
        assert Change.objects.filter(entity="record", entity_id=body["id"], action="created")


def test_full_update_replaces_and_bumps_the_version(writer, catalog):
    url = f"/api/v1/records/{catalog.record.pk}/"
    response = writer.put(url, NEW_RECORD, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Kindred"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"v2"'


def test_partial_update_keeps_unsent_fields(writer, catalog):
    url = f"/api/v1/records/{catalog.record.pk}/"
    response = writer.patch(url, {"publication_year": 1970}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["publication_year"] == 1970
    assert body["title"] == "The Left Hand of Darkness"
    assert [c["name"] for c in body["contributors"]] == ["Le Guin, Ursula K."]
    assert body["identifiers"] == [{"kind": "isbn", "value": "9780441478125"}]


def test_stale_if_match_is_refused_with_412_and_changes_nothing(writer, catalog, library):
    url = f"/api/v1/records/{catalog.record.pk}/"
    assert writer.patch(url, {"edition": "2nd"}, format="json").status_code == 200
    stale = writer.patch(url, {"edition": "3rd"}, format="json", HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    gone = writer.delete(url, HTTP_IF_MATCH='"v1"')
    assert gone.status_code == 412
    with schema_context(library.schema_name):
        record = Record.objects.get(pk=catalog.record.pk)
        assert (record.edition, record.version) == ("2nd", 2)


def test_matching_if_match_is_accepted_for_delete(writer, catalog, library):
    url = f"/api/v1/records/{catalog.record.pk}/"
    etag = writer.get(url)["ETag"]
    assert writer.delete(url, HTTP_IF_MATCH=etag).status_code == 204
    assert writer.get(url).status_code == 404
    with schema_context(library.schema_name):
        tombstones = Change.objects.filter(action="deleted").values_list("entity", "entity_id")
        assert set(tombstones) == {("record", catalog.record.pk), ("item", catalog.item.pk)}


def test_malformed_if_match_is_412(writer, catalog):
    url = f"/api/v1/records/{catalog.record.pk}/"
    response = writer.patch(url, {"edition": "x"}, format="json", HTTP_IF_MATCH="yesterday")
    assert response.status_code == 412


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_RECORD, "identifiers": [{"kind": "isbn", "value": "978-0-8070-8305-4"}]},
         "identifiers.0.value"),
        ({**NEW_RECORD, "identifiers": [{"kind": "isbn", "value": "0-441-47812-4"}]},
         "identifiers.0.value"),
        ({**NEW_RECORD, "publication_year": 2101}, "publication_year"),
        ({**NEW_RECORD, "publication_year": -1}, "publication_year"),
        ({**NEW_RECORD, "title": "Nul\x00byte"}, "title"),
        ({**NEW_RECORD, "title": "x" * 1001}, "title"),
        ({**NEW_RECORD, "language": "english"}, "language"),
        ({**NEW_RECORD, "contributors": [{"name": "A", "role": "ghost"}]}, "contributors.0.role"),
        ({**NEW_RECORD, "title": ""}, "title"),
        ({"publication_year": 1990}, "title"),
    ],
)  # fmt: skip
def test_bad_record_input_is_400_with_field_errors(writer, library, body, field):
    with schema_context(library.schema_name):
        before = Record.objects.count()
    response = writer.post("/api/v1/records/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["status"] == 400
    assert field in error["errors"]
    with schema_context(library.schema_name):
        assert Record.objects.count() == before


def test_malformed_json_is_400(writer):
    response = writer.generic(
        "POST", "/api/v1/records/", '{"title": "unterminated', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_wrong_content_type_is_415(writer):
    response = writer.post("/api/v1/records/", {"title": "Form post"})  # multipart
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_nul_byte_in_query_is_400_not_500(callers, catalog):
    response = callers["anonymous"].get("/api/v1/records/", {"q": "dark\x00ness"})
    assert response.status_code == 400


def test_huge_or_unknown_ids_are_404(callers, catalog):
    for url in ("/api/v1/records/99999999/", "/api/v1/records/9999999999999999999999/"):
        response = callers["admin"].get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_writes_to_paths_that_name_nothing_are_404_in_the_api_shape(library, catalog):
    # Real clients send no CSRF cookie; the catch-all must answer like the API, not with
    # Django's HTML CSRF page.
    with schema_context(library.schema_name):
        secret = api_key_create(name="writer", scope="write").secret
    client = Client(enforce_csrf_checks=True, HTTP_HOST=LIBRARY_HOST)
    for url in ("/api/v1/records/-5/", "/api/v1/domains/-767/make-primary/"):
        response = client.post(url, HTTP_AUTHORIZATION=f"Api-Key {secret}")
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"


def test_paths_with_a_newline_are_404_in_the_api_shape(callers):
    for url in ("/api/v1/records/a%0Ab/", "/api/v1/locations/%0A/", "/api/v1/x%0D%0Ay/"):
        response = callers["read_key"].get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_items_of_a_record(callers, catalog):
    response = callers["anonymous"].get(f"/api/v1/records/{catalog.record.pk}/items/")
    assert response.status_code == 200
    assert [i["barcode"] for i in response.json()["results"]] == [catalog.item.barcode]
    empty = callers["anonymous"].get(f"/api/v1/records/{catalog.other_record.pk}/items/")
    assert empty.json()["results"] == []
    assert callers["anonymous"].get("/api/v1/records/99999/items/").status_code == 404


def _records_make(schema, count):
    from catalog.services import ItemData, RecordData, item_create, record_create

    with schema_context(schema):
        for i in range(count):
            record = record_create(
                data=RecordData(
                    title=f"Record {i}",
                    contributors=[(f"Author {i}", "author"), ("Editor", "editor")],
                    subjects=[(f"Subject {i}", "lcsh")],
                    identifiers=[("oclc", str(1000 + i))],
                )
            )
            item_create(record_id=record.pk, data=ItemData(barcode=f"bc-{i}"))


@pytest.mark.parametrize(
    "url",
    ["/api/v1/records/", "/api/v1/records/?q=record", "/api/v1/items/",
     "/api/v1/contributors/", "/api/v1/subjects/", "/api/v1/locations/", "/api/v1/changes/"],
)  # fmt: skip
def test_list_queries_do_not_grow_with_the_page(callers, library, django_assert_num_queries, url):
    _records_make(library.schema_name, 12)
    client = callers["librarian"]
    sep = "&" if "?" in url else "?"
    client.get(url)  # warm: the token lookup and caches behave as in steady use
    counts = []
    for size in (2, 10):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            param = "limit" if "changes" in url else "page_size"
            response = client.get(f"{url}{sep}{param}={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size or "locations" in url
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        client.get(f"{url}{sep}{'limit' if 'changes' in url else 'page_size'}=5")


@pytest.mark.parametrize("zone", ["UTC", "America/Montreal"])
def test_record_rendering_equals_the_generic_serializer_path(library, zone):
    """RecordSerializer builds its dict directly for speed, and the record list builds its
    dicts from the links' rows (record_answers); DRF's generic path over the same declared
    fields must give the same JSON, field for field and in order, in UTC (whose timestamps it
    writes as they come) as in another zone."""
    from django.utils import timezone
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer

    from api.renderers import OrjsonRenderer
    from api.serializers import RecordSerializer, record_answers
    from catalog.models import Credit, IdentifierValue, SubjectLink
    from catalog.search import RECORD_COLUMNS
    from catalog.selectors import record_links_attach, record_links_rows, record_list
    from catalog.services import RecordData, record_create

    with schema_context(library.schema_name):
        record_create(
            data=RecordData(
                title="The Dispossessed", subtitle="An ambiguous utopia", publisher="Harper",
                publication_year=1974, edition="1st", language="eng", series="Hainish",
                summary="Shevek.", control_number="ocm01", control_number_source="OCoLC",
                contributors=[("Le Guin, Ursula K.", "author"), ("Smith, A.", "illustrator")],
                subjects=[("Anarchism", "lcsh"), ("Physics", "fast")],
                identifiers=[("isbn", "0-06-012563-2"), ("oclc", "1234")],
            )
        )  # fmt: skip
        record_create(data=RecordData(title="Bare"))
        records = list(record_list().order_by("id"))
        record_links_attach(records)
        bare = list(record_list().order_by("id").values_list(*RECORD_COLUMNS))
        rows = record_links_rows([row[0] for row in bare])
    assert len(records) == 2
    links = (
        records[0].credit_list[0],
        records[0].subject_link_list[0],
        records[0].identifier_list[0],
    )
    assert [type(link) for link in links] == [Credit, SubjectLink, IdentifierValue]
    assert [links[0].contributor_name, links[1].subject_scheme, links[2].kind] == [
        "Le Guin, Ursula K.", "lcsh", "isbn",
    ]  # fmt: skip
    assert (records[1].credit_list, records[1].identifier_list) == ([], [])
    with timezone.override(zone):
        for record in records:
            serializer = RecordSerializer(record)
            generic = serializers.ModelSerializer.to_representation(serializer, record)
            assert list(serializer.data.items()) == list(generic.items())
            many = RecordSerializer([record], many=True).data[0]
            assert list(many.items()) == list(generic.items())
        # The list leaves UTC timestamps for the renderer to write: compared as written, by
        # the API's renderer and by DRF's indented one.
        from_rows = record_answers(bare, rows)
        assert len(from_rows) == len(records)
        for answer, record in zip(from_rows, records, strict=True):
            serializer = RecordSerializer(record)
            generic = serializers.ModelSerializer.to_representation(serializer, record)
            assert list(answer) == list(generic)
            for indent in (None, 4):
                assert JSONRenderer().render(answer, renderer_context={"indent": indent}) == (
                    JSONRenderer().render(generic, renderer_context={"indent": indent})
                )
            assert OrjsonRenderer().render(answer) == JSONRenderer().render(generic)
            assert generic["created_at"].endswith("Z") == (zone == "UTC")


def test_control_characters_in_a_record_are_read_as_spaces(writer, library):
    record = {
        **NEW_RECORD,
        "title": "Ctrl\x0bchar\x1fbtitle\x1e end",
        "summary": "bell\x07\r\nsecond line",
        "contributors": [{"name": "Butler,\x0bOctavia E.", "role": "author"}],
    }
    response = writer.post("/api/v1/records/", record, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Ctrl char btitle end"
    assert body["summary"] == "bell\nsecond line"
    assert body["contributors"][0]["name"] == "Butler, Octavia E."
    with schema_context(library.schema_name):
        stored = Record.objects.get(pk=body["id"])
        assert (stored.title, stored.summary) == ("Ctrl char btitle end", "bell\nsecond line")


def test_the_api_refuses_a_language_naming_the_field(writer, library):
    for language in ("zzz", "english"):
        response = writer.post(
            "/api/v1/records/", {"title": "Kindred", "language": language}, format="json"
        )
        assert response.status_code == 400
        assert "MARC code list" in response.json()["errors"]["language"][0]
    kept = writer.post("/api/v1/records/", {"title": "Kindred", "language": "fre"}, format="json")
    assert kept.status_code == 201
    with schema_context(library.schema_name):
        assert list(Record.objects.values_list("language", flat=True)) == ["fre"]


def test_a_record_read_and_sent_back_keeps_its_old_language_code(writer, catalog, library):
    """ "scc" (Serbian) left the MARC code list in 2008; records catalogued before keep it, and
    a client that reads such a record and puts it back unchanged is not refused for it."""
    with schema_context(library.schema_name):
        Record.objects.filter(pk=catalog.record.pk).update(language="scc")
    read = writer.get(f"/api/v1/records/{catalog.record.pk}/")
    sent = {**read.json(), "summary": "Winter."}
    put = writer.put(
        f"/api/v1/records/{catalog.record.pk}/", sent, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert put.status_code == 200, put.json()
    assert (put.json()["language"], put.json()["summary"]) == ("scc", "Winter.")
    # A new old code is still refused, naming the field.
    changed = writer.patch(
        f"/api/v1/records/{catalog.record.pk}/", {"language": "scr"}, format="json"
    )
    assert changed.status_code == 400
    assert "MARC code list" in changed.json()["errors"]["language"][0]
    with schema_context(library.schema_name):
        assert Record.objects.get(pk=catalog.record.pk).language == "scc"


def test_a_record_asked_for_with_a_suffix_is_not_found(callers, catalog):
    # Formats are asked for by Accept or ?format=; `2.4` is no record's address.
    client = callers["librarian"]
    client.raise_request_exception = False
    for suffix in (".4", ".json"):
        response = client.get(f"/api/v1/records/{catalog.record.pk}{suffix}/")
        assert response.status_code == 404, response.content
