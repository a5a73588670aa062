"""Each host is served from its own library's schema; unknown hosts get nothing."""

from django.test import Client
from django_tenants.utils import schema_context

from catalog.services import RecordData, record_create
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST


def test_each_library_sees_only_its_own_records(library, other_library):
    with schema_context("alpha"):
        record_create(data=RecordData(title="Only In Alpha"))
    with schema_context("beta"):
        record_create(data=RecordData(title="Only In Beta"))

    alpha = Client(HTTP_HOST=LIBRARY_HOST).get("/")
    beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST).get("/")

    assert alpha.status_code == 200
    assert "Only In Alpha" in alpha.text
    assert "Only In Beta" not in alpha.text
    assert beta.status_code == 200
    assert "Only In Beta" in beta.text
    assert "Only In Alpha" not in beta.text


def test_a_host_name_in_capitals_is_the_same_library(library, other_library):
    with schema_context("alpha"):
        record_create(data=RecordData(title="Only In Alpha"))
    shouted = LIBRARY_HOST.upper()
    page = Client(HTTP_HOST=shouted).get("/")
    api = Client(HTTP_HOST=shouted).get("/api/v1/records/")
    assert page.status_code == 200
    assert "Only In Alpha" in page.text
    assert api.status_code == 200
    assert [r["title"] for r in api.json()["results"]] == ["Only In Alpha"]
    beta = Client(HTTP_HOST=OTHER_LIBRARY_HOST.upper()).get("/api/v1/records/")
    assert beta.json()["results"] == []


def test_unknown_host_is_not_found_not_the_platform(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert "Stacks" not in response.text


def test_platform_host_serves_the_platform(db):
    response = Client(HTTP_HOST="localhost").get("/")
    assert response.status_code == 200
    assert "A hosted catalog for every library" in response.text


def test_healthz_answers_on_every_host_without_a_database(db, django_assert_num_queries):
    for host in (LIBRARY_HOST, "localhost", "nobody.localhost"):
        with django_assert_num_queries(0):
            response = Client(HTTP_HOST=host).get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_broker(db):
    response = Client(HTTP_HOST=LIBRARY_HOST).get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_unavailable_when_the_broker_is_down(db, settings):
    # A closed port on this machine: nothing listens on port 1.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client(HTTP_HOST=LIBRARY_HOST).get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == [
        "broker: the task broker (Redis) does not answer (OperationalError)"
    ]


def test_domain_lookup_is_cached(library, django_assert_num_queries):
    client = Client(HTTP_HOST=LIBRARY_HOST)
    client.get("/staff/login/")
    with django_assert_num_queries(0):
        response = client.get("/staff/login/")
    assert response.status_code == 200
