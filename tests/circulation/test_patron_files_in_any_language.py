"""A patron file as a library writes it in its own language: column names in any of the
languages Stacks speaks, day.month.year dates with dots in any language, reasons in whole
sentences that name the columns as the file does; the preview's dates in the library's format,
and the categories a committed file created kept with it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from circulation.models import Patron, PatronImport
from circulation.patron_imports import patron_import_run
from staff.services import api_key_create
from tenants.administration import library_settings_update
from tests.api.conftest import client_for
from tests.circulation.conftest import Desk
from tests.circulation.test_patron_imports import desk_client
from tests.conftest import OTHER_LIBRARY_HOST

SPANISH = (
    "Nombre;Código de barras;Correo electrónico;Categoría;Caduca;Notas\r\n"
    "Luis Pérez;E-0001;luis@example.org;adult;31.12.2027;\r\n"
    "Ana Ruiz;E-0002;no-es-correo;adult;31.13.2027;\r\n"
)


def _upload(client, content: bytes):
    upload = SimpleUploadedFile("lectores.csv", content, content_type="text/csv")
    return client.post("/api/v1/patron-imports/", {"file": upload}, format="multipart")


def _run(library, job_id: int) -> None:
    with tenant_context(library):  # as the worker runs it: in the library's language
        patron_import_run(job_id=job_id)


def test_a_spanish_file_with_spanish_columns_and_dotted_dates_is_read(library, desk: Desk) -> None:
    library_settings_update(library=library, actor="test", language="es")
    client = desk_client(library)
    queued = _upload(client, SPANISH.encode("cp1252"))
    assert queued.status_code == 201, queued.content
    _run(library, queued.json()["id"])

    rows = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/rows/").json()["results"]

    assert [(r["action"], r["data"].get("expires_on")) for r in rows] == [
        ("create", "2027-12-31"),
        ("reject", None),
    ]
    # Two reasons, two whole sentences; the column as the file names it.
    assert rows[1]["reason"] == (
        "Caduca: \u00ab31.13.2027\u00bb no es una fecha. "
        "Con el formato AAAA-MM-DD, DD/MM/AAAA, DD/MM/AA o DD.MM.AAAA. "
        "\u00abno-es-correo\u00bb no es una dirección de correo electrónico."
    )


def test_an_english_library_takes_dotted_dates_and_french_columns(library, desk: Desk) -> None:
    client = desk_client(library)
    text = "Nom,Code-barres,Courriel,Fin de validité de la carte\nZoé,F-1,,28.02.2029\n"
    queued = _upload(client, text.encode())
    _run(library, queued.json()["id"])
    [row] = client.get(f"/api/v1/patron-imports/{queued.json()['id']}/rows/").json()["results"]
    assert (row["action"], row["data"]["expires_on"]) == ("create", "2029-02-28")


def test_a_file_without_name_or_barcode_says_which_columns_it_had(library, desk: Desk) -> None:
    client = desk_client(library)
    refused = _upload(client, b"Vorname,Karte\nAnna,K-1\n")
    assert refused.status_code == 400
    assert "first line has: \u201cVorname\u201d, \u201cKarte\u201d." in refused.json()["detail"]


def test_the_preview_shows_dates_as_the_library_writes_them(
    library, librarian: Client, desk: Desk
) -> None:
    library_settings_update(library=library, actor="test", language="es")
    client = desk_client(library)
    queued = _upload(client, SPANISH.encode("cp1252"))
    _run(library, queued.json()["id"])
    page = librarian.get(f"/staff/patrons/imports/{queued.json()['id']}/").text
    assert "31/12/2027" in page
    assert "2027-12-31" not in page


def test_a_committed_file_keeps_the_categories_it_created(library, desk: Desk) -> None:
    client = desk_client(library)
    text = "name,barcode,category\nOdo,P-ODO,bookmobile\nShevek,P-SHE,adult\n"
    job_id = _upload(client, text.encode()).json()["id"]
    _run(library, job_id)
    staged = client.get(f"/api/v1/patron-imports/{job_id}/").json()
    assert staged["new_categories"] == ["bookmobile"]
    assert client.post(f"/api/v1/patron-imports/{job_id}/commit/").status_code == 200
    _run(library, job_id)
    committed = client.get(f"/api/v1/patron-imports/{job_id}/").json()
    assert committed["status"] == "committed"
    assert committed["categories_created"] == ["bookmobile"]
    with schema_context(library.schema_name):
        assert Patron.objects.get(barcode="P-ODO").category == "bookmobile"
        assert PatronImport.objects.get(pk=job_id).categories_created == ["bookmobile"]


def test_another_library_sees_nothing_of_the_import(library, other_library, desk: Desk) -> None:
    client = desk_client(library)
    job_id = _upload(client, SPANISH.encode("cp1252")).json()["id"]
    with schema_context(other_library.schema_name):
        secret = api_key_create(name="desk", scope="write", patrons=True).secret
    theirs = client_for(OTHER_LIBRARY_HOST, f"Api-Key {secret}")
    assert theirs.get(f"/api/v1/patron-imports/{job_id}/").status_code == 404
    assert theirs.post(f"/api/v1/patron-imports/{job_id}/commit/").status_code == 404
    with schema_context(library.schema_name):
        assert PatronImport.objects.get(pk=job_id).status == "queued"


def test_the_names_libraries_give_a_card_s_end_date_are_read(library, desk: Desk) -> None:
    client = desk_client(library)
    for n, header in enumerate([
        "Date d'expiration", "Date d\u2019expiration", "Fin de validité", "Valable jusqu'au",
        "Valable jusqu\u2019au", "Date de fin de validité", "Ablaufdatum", "Fecha de caducidad",
        "Válido hasta",
    ]):  # fmt: skip
        text = f"Nom,Numéro de carte,{header},Remarques\nZoé,F-{n},28.02.2029,\n"
        queued = _upload(client, text.encode())
        assert queued.status_code == 201, (header, queued.content)
        _run(library, queued.json()["id"])
        url = f"/api/v1/patron-imports/{queued.json()['id']}/rows/"
        rows = client.get(url).json()["results"]
        assert [r["data"].get("expires_on") for r in rows] == ["2029-02-28"], header
