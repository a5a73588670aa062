"""Every operation of the library API, fed generated input, under schemathesis' checks: no
server error, no response outside the OpenAPI schema, authentication that is not ignored.

The application is called in-process (WSGI) on library A's host with a write key, inside the
test's transaction, so whatever the generated requests write is rolled back afterwards.
Each operation gets valid input (every check) and invalid input (which must be refused with a
documented 4xx). STACKS_SCHEMATHESIS_EXAMPLES sets the examples per operation and mode (default
8, so `make test` stays quick on two cores); runs are derandomized (the same examples each
time) unless STACKS_SCHEMATHESIS_RANDOM=1, which explores new ones on every run.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from staff.services import api_key_create
from tests.api.conftest import catalog_make
from tests.conftest import LIBRARY_HOST

# Every check schemathesis has (the authentication checks, unsupported methods, Allow and
# response headers, use after free, invalid data refused, ...), but one that holds the schema
# to more than it can say: positive_data_acceptance counts a 400 for a schema-valid value the
# API must still refuse (a cursor it did not write, a NUL in the address, an ISBN with a wrong
# check digit, an item for a record that does not exist).
EXCLUDED = [openapi_checks.positive_data_acceptance]
EXAMPLES = int(os.environ.get("STACKS_SCHEMATHESIS_EXAMPLES", "8"))
RANDOM = os.environ.get("STACKS_SCHEMATHESIS_RANDOM") == "1"


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, minus the per-request connection recycling (as Django's own
    test client does): the requests share the test's connection and its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def write_key(library) -> str:
    with schema_context(library.schema_name):
        return api_key_create(name="schemathesis", scope="write").secret


_SERVED: dict[str, object] = {}


def operation_labels() -> list[str]:
    """The operations of the library API, read from its schema generator (no request needed)."""
    spec = SchemaGenerator(urlconf="config.urls_library").get_schema(request=None, public=True)
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture
def api_schema(library, wsgi_app):
    """The schema as library A's host serves it (fetched once per run)."""
    if not _SERVED:
        loaded = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/",
            wsgi_app,
            headers={"Host": LIBRARY_HOST, "Accept": "application/vnd.oai.openapi+json"},
        )
        _SERVED.update(loaded.raw_schema)
    loaded = schemathesis.openapi.from_dict(dict(_SERVED))
    loaded.app = wsgi_app
    return loaded


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("label", operation_labels())
def test_operation_conforms_to_the_schema(label, mode, api_schema, write_key, library):
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the schema the host serves"
    # Rows for generated ids and filters to meet now and then.
    catalog_make(library.schema_name)
    headers = {"Host": LIBRARY_HOST, "Authorization": f"Api-Key {write_key}"}

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    def call(case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

    try:
        call()
    except Unsatisfiable:
        # Operations whose input is free text or absent have no invalid input to send.
        assert mode == GenerationMode.NEGATIVE
        pytest.skip(f"{label} takes no input that can be invalid")
