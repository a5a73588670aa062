"""What search finds through each door and what the database makes of text, for search tests."""

from collections.abc import Callable

from django.db import connection
from django.test import Client
from lxml import etree
from rest_framework.test import APIClient

from tests.conftest import LIBRARY_HOST
from tests.tenants.admin_helpers import signed_in

SRU_NS = {"zs": "http://www.loc.gov/zing/srw/", "dc": "http://purl.org/dc/elements/1.1/"}


def api_titles(api: APIClient, q: str) -> list[str]:
    response = api.get("/api/v1/records/", {"q": q})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def sru_titles(web: Client, query: str) -> list[str]:
    params = {"operation": "searchRetrieve", "version": "1.2", "query": query, "recordSchema": "dc"}
    tree = etree.fromstring(web.get("/sru", params).content)
    return [str(title) for title in tree.xpath("//dc:title/text()", namespaces=SRU_NS)]


def staff_records_page(q: str) -> str:
    """The staff record list's page for `q`, as library A's admin sees it."""
    staff = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    return staff.get("/staff/records/", {"q": q}).text


def in_the_database(samples: list[str], *sql_of: Callable[[str], str]) -> list[tuple[str, ...]]:
    """Each sample through the SQL expressions `sql_of` make of a column, in the samples' order."""
    columns = ", ".join(sql("t") for sql in sql_of)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM unnest(%s::text[]) "  # noqa: S608 - no input
            "WITH ORDINALITY u(t, n) ORDER BY n",
            [samples],
        )
        return cursor.fetchall()
