"""`SET search_path` only when the connection's session does not already hold the library's
path: consecutive requests to one library send none, a request to another library sends one,
and after a rollback (which may have undone a SET) the path is set again."""

from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create


def _titles(client) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/records/")
    assert response.status_code == 200
    return [r["title"] for r in response.json()["results"]]


def _sets(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET ")]


def _session_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return str(cursor.fetchone()[0])


def test_requests_set_the_path_only_when_the_library_changes(
    library, other_library, api_client, other_api_client
):
    with schema_context(library.schema_name):
        record_create(data=RecordData(title="Only in Alpha"))
    with schema_context(other_library.schema_name):
        record_create(data=RecordData(title="Only in Beta"))
    # First requests to each host (their host lookups may read the public schema).
    assert _titles(other_api_client) == ["Only in Beta"]
    assert _titles(api_client) == ["Only in Alpha"]
    with CaptureQueriesContext(connection) as again:
        assert _titles(api_client) == ["Only in Alpha"]
    assert _sets(again) == []
    with CaptureQueriesContext(connection) as other:
        assert _titles(other_api_client) == ["Only in Beta"]
    assert _sets(other) == ['SET search_path = "beta","public"']
    with CaptureQueriesContext(connection) as back:
        assert _titles(api_client) == ["Only in Alpha"]
    assert _sets(back) == ['SET search_path = "alpha","public"']


def test_the_path_is_set_again_after_a_rollback(library, other_library):
    with schema_context(library.schema_name):
        assert _session_path() == "alpha, public"
    try:
        with transaction.atomic():
            with schema_context(other_library.schema_name):
                assert _session_path() == "beta, public"
            raise DatabaseError("undo")  # rolls back the SET to beta's path with the rest
    except DatabaseError:
        pass
    with schema_context(library.schema_name), CaptureQueriesContext(connection) as queries:
        assert _session_path() == "alpha, public"
    assert _sets(queries) == ['SET search_path = "alpha","public"']
