"""The staff workspace's own words in the reader's language: the password rules name the email
field in it, the audit log names the system and the library rather than their codes, the
catalog's size agrees with its numbers, and the sign-up form names the platform's domain."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from catalog.services import ItemData, RecordData, item_create, record_create
from staff.audit import audit_record
from staff.models import User
from tests.circulation.conftest import staff_client
from tests.conftest import LIBRARY_HOST, language_set


@pytest.mark.parametrize(
    ("language", "field"),
    [
        ("en", "email address"),
        ("fr", "adresse de courriel"),
        ("de", "E-Mail-Adresse"),
        ("es", "dirección de correo electrónico"),
    ],
)
def test_a_password_like_the_email_names_the_field_in_the_language(language, field) -> None:
    with translation.override(language), pytest.raises(ValidationError) as refused:
        validate_password("a@gamma.example", User(email="a@gamma.example"))
    said = " ".join(refused.value.messages)
    assert field in said
    assert "\u00ab\u00a0email\u00a0\u00bb" not in said
    assert "the email." not in said


@pytest.mark.parametrize(
    ("language", "system"),
    [("en", "the system"), ("fr", "le système"), ("de", "das System"), ("es", "el sistema")],
)
def test_the_audit_log_names_the_system_and_the_library(library, language, system) -> None:
    language_set(library, language)
    with schema_context(library.schema_name):
        audit_record(actor="system", action="staff.invite", target="new@alpha.example")
        audit_record(actor="", action="settings.update", target=library.schema_name)
    page = staff_client(library.schema_name, LIBRARY_HOST, "admin").get("/staff/audit/").text
    cells = page.split("<tbody>", 1)[1]
    assert cells.count(f'<td data-label="{_who(language)}">{system}</td>') == 2
    assert f">{library.name}</td>" in cells
    assert f">{library.schema_name}</td>" not in cells
    assert ">system</td>" not in cells


def _who(language: str) -> str:
    with translation.override(language):
        return translation.gettext("Who")


@pytest.mark.parametrize(
    ("language", "empty", "some"),
    [
        ("en", "0 records, 0 items.", "1 record, 2 items."),
        ("fr", "0 notice, 0 exemplaire.", "1 notice, 2 exemplaires."),
        ("de", "0 Datensätze, 0 Exemplare.", "1 Datensatz, 2 Exemplare."),
        ("es", "0 registros, 0 ejemplares.", "1 registro, 2 ejemplares."),
    ],
)
def test_the_catalog_s_size_agrees_with_its_numbers(library, language, empty, some) -> None:
    language_set(library, language)
    staff = staff_client(library.schema_name, LIBRARY_HOST, "librarian")
    assert f'<p id="catalog-size">{empty}</p>' in staff.get("/staff/").text
    with schema_context(library.schema_name):
        record = record_create(data=RecordData(title="L\u2019\u00c9cume des jours"))
        for barcode in ("00101", "00102"):
            item_create(record_id=record.pk, data=ItemData(barcode=barcode))
    assert f'<p id="catalog-size">{some}</p>' in staff.get("/staff/").text


@pytest.mark.parametrize(
    ("language", "label", "hint"),
    [
        ("en", "Subdomain", "this subdomain followed by .{0} (for example, springfield.{0})."),
        ("fr", "Sous-domaine", "ce sous-domaine suivi de .{0} (par exemple cdi-moulin.{0})."),
        ("de", "Subdomain", "diese Subdomain, gefolgt von .{0} (zum Beispiel stadtbuecherei.{0})."),
        ("es", "Subdominio", "este subdominio seguido de .{0} (por ejemplo, biblioteca.{0})."),
    ],
)
@pytest.mark.usefixtures("db")
def test_the_sign_up_form_names_the_platform_s_own_domain(language, label, hint) -> None:
    page = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE=language).get("/signup/").text
    assert f'<label for="id_subdomain">{label}</label>' in page
    assert hint.format(settings.STACKS_BASE_DOMAIN) in page
    assert "&lt;" not in page.split('id="id_subdomain_helptext"', 1)[1].split("</small>", 1)[0]
