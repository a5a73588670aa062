"""Numbers the API refuses say what to send, quoting what was sent: a price written as a
European shop writes it, a whole number with an exponent, an integer query parameter with a
decimal point (one rule for all of them, the page size too), and the parameters an operation
of one format takes."""

import pytest
from django_tenants.utils import schema_context

from catalog.models import Item, Record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("price", ["12,50 €", "€12.50", "12.50 EUR", "12 50"])
def test_a_price_not_written_as_digits_and_a_full_stop_says_how_to_write_it(
    callers, catalog, library, price
):
    with schema_context(library.schema_name):
        before = Item.objects.get(pk=catalog.item.pk).price

    response = callers["librarian"].patch(
        f"/api/v1/items/{catalog.item.pk}/", {"price": price}, format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "price": [
            "Write this as digits with a full stop before the cents, without a currency sign "
            f'or spaces, for example "12.50"; not "{price}".'
        ]
    }
    with schema_context(library.schema_name):
        assert Item.objects.get(pk=catalog.item.pk).price == before


@pytest.mark.parametrize(
    ("sent", "whole"), [("1e3", "1000"), ("1999.0", "1999"), ("2.001e3", "2001")]
)
def test_a_whole_number_with_an_exponent_is_quoted_as_sent(callers, catalog, library, sent, whole):
    response = callers["librarian"].post(
        "/api/v1/records/", f'{{"title": "T", "publication_year": {sent}}}',
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"]["publication_year"] == [
        "This field must be a whole number written without a decimal point or an exponent: "
        f"{whole}, not {sent}."
    ]
    with schema_context(library.schema_name):
        assert not Record.objects.filter(title="T").exists()


@pytest.mark.parametrize(
    ("query", "name"),
    [("year_from=1999.0", "year_from"), ("year_to=2e3", "year_to"), ("page_size=20.0", "page_size"),
     ("year_from=%201999", "year_from"), ("year_from=1_999", "year_from")],
)  # fmt: skip
def test_an_integer_query_parameter_takes_digits_only(callers, catalog, query, name):
    response = callers["read_key"].get(f"/api/v1/records/?{query}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [name]


def test_an_integer_query_parameter_given_as_digits_is_read(callers, catalog):
    response = callers["read_key"].get("/api/v1/records/?year_from=1000&page_size=20")
    assert response.status_code == 200
    assert response.json()["results"]


def test_a_year_with_a_point_is_refused_quoting_it(callers, catalog):
    response = callers["read_key"].get("/api/v1/records/?year_from=1999.0")
    assert response.json()["errors"]["year_from"] == [
        'Give a whole number written with digits only, such as 20; not "1999.0".'
    ]


@pytest.mark.parametrize("form", ["marcxml", "marc", "marcjson", "jsonld"])
def test_a_format_operation_names_the_format_it_takes(callers, catalog, form):
    url = f"/api/v1/records/{catalog.record.pk}/formats/{form}/"

    refused = callers["read_key"].get(url, {"colour": "red"})

    assert refused.status_code == 400
    message = refused.json()["errors"]["colour"][0]
    assert message == f"Unknown query parameter; this operation takes: format={form}."
    # What it says it takes, it takes.
    assert callers["read_key"].get(url, {"format": form}).status_code == 200


def test_a_list_names_format_with_its_parameters(callers, catalog):
    refused = callers["read_key"].get("/api/v1/locations/", {"colour": "red"})
    message = refused.json()["errors"]["colour"][0]
    assert message.endswith(", format=json.")
