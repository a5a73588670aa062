"""Custom domains route only once a DNS TXT record proves the library controls them."""

import socket

import pytest
from django.test import Client, override_settings

from tenants.dns import domain_challenge
from tenants.models import Domain
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, domain_prove
from tests.tenants.admin_helpers import signed_in

HOST = "catalog.alpha-town.example"


@pytest.fixture
def admin(library):  # type: ignore[no-untyped-def]
    return signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example")


@pytest.fixture
def other_admin(other_library):  # type: ignore[no-untyped-def]
    return signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example")


def _served(host: str) -> int:
    return Client(HTTP_HOST=host).get("/").status_code


def test_a_claim_routes_only_after_its_txt_record_is_found(
    admin, library, other_library, dns_records, dns_server, django_capture_on_commit_callbacks
):
    added = admin.post("/api/v1/domains/", {"domain": HOST})
    assert added.status_code == 201
    body = added.json()
    name, value = domain_challenge(library=library, hostname=HOST)
    assert (body["is_verified"], body["verification"]) == (False, {"name": name, "value": value})
    assert name == f"_stacks-challenge.{HOST}"
    assert _served(HOST) == 404
    assert admin.post(f"/api/v1/domains/{body['id']}/make-primary/").status_code == 409

    refused = admin.post(f"/api/v1/domains/{body['id']}/verify/")
    assert (refused.status_code, refused.json()["code"]) == (400, "domain_not_proven")
    assert name in refused.json()["detail"]
    # Another library's token proves nothing for this one.
    domain_prove(dns_records, other_library, HOST)
    assert admin.post(f"/api/v1/domains/{body['id']}/verify/").status_code == 400
    assert _served(HOST) == 404

    domain_prove(dns_records, library, HOST)
    with django_capture_on_commit_callbacks(execute=True):
        verified = admin.post(f"/api/v1/domains/{body['id']}/verify/")
    assert verified.status_code == 200
    assert verified.json()["is_verified"] is True
    assert verified.json()["verified_at"]
    assert _served(HOST) == 200
    assert name in dns_server.queries


def test_a_published_record_proves_the_domain_when_it_is_added(admin, library, dns_records):
    domain_prove(dns_records, library, HOST)
    added = admin.post("/api/v1/domains/", {"domain": HOST})
    assert added.json()["is_verified"] is True
    assert _served(HOST) == 200


@pytest.mark.parametrize(
    ("hostname", "code"),
    [
        ("127.0.0.1", "ip_address"),
        ("10.1.2.3", "ip_address"),
        ("127.1", "ip_address"),
        ("0x7f.1", "ip_address"),
        ("::1", "ip_address"),
        ("localhost", "platform_domain"),
        ("evil.alpha.localhost", "platform_domain"),
        ("www.stacks.example", "platform_domain"),
        ("stacks.example", "platform_domain"),
    ],
)
@override_settings(STACKS_PLATFORM_HOSTS=["localhost", "stacks.example"])
def test_addresses_and_platform_names_are_refused(admin, hostname, code):
    before = Domain.objects.count()
    response = admin.post("/api/v1/domains/", {"domain": hostname})
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert Domain.objects.count() == before


def test_an_unproven_claim_gives_way_to_a_proven_one(admin, other_admin, library, dns_records):
    squatted = other_admin.post("/api/v1/domains/", {"domain": HOST})
    assert squatted.status_code == 201
    # Without proof, the first claim holds.
    assert admin.post("/api/v1/domains/", {"domain": HOST}).status_code == 409
    domain_prove(dns_records, library, HOST)
    taken = admin.post("/api/v1/domains/", {"domain": HOST})
    assert taken.status_code == 201
    assert Domain.objects.get(domain=HOST).tenant.schema_name == "alpha"
    assert _served(HOST) == 200
    # A proven domain is not taken back.
    assert other_admin.post("/api/v1/domains/", {"domain": HOST}).status_code == 409


def test_another_library_cannot_verify_a_claim_here(admin, other_admin, library, dns_records):
    domain_id = admin.post("/api/v1/domains/", {"domain": HOST}).json()["id"]
    domain_prove(dns_records, library, HOST)
    assert other_admin.post(f"/api/v1/domains/{domain_id}/verify/").status_code == 404
    assert not Domain.objects.get(pk=domain_id).is_verified


def test_an_unreachable_resolver_is_a_clear_503(admin, settings):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    settings.STACKS_DNS_RESOLVERS = [f"127.0.0.1:{silent.getsockname()[1]}"]
    settings.STACKS_DNS_TIMEOUT_SECONDS = 0.5
    try:
        response = admin.post("/api/v1/domains/", {"domain": HOST})
    finally:
        silent.close()
    assert (response.status_code, response.json()["code"]) == (503, "dns_unavailable")
    assert not Domain.objects.filter(domain=HOST).exists()


def test_the_staff_page_shows_the_record_and_verifies(library, dns_records):
    browser = signed_in(LIBRARY_HOST, "alpha", "admin@alpha.example", client_class=Client)
    assert browser.post("/staff/domains/", {"domain": HOST}).status_code == 302
    name, value = domain_challenge(library=library, hostname=HOST)
    page = browser.get("/staff/domains/").content.decode()
    assert name in page
    assert value in page
    domain = Domain.objects.get(domain=HOST)
    refused = browser.post(f"/staff/domains/{domain.pk}/verify/")
    assert refused.status_code == 400
    domain_prove(dns_records, library, HOST)
    assert browser.post(f"/staff/domains/{domain.pk}/verify/").status_code == 302
    assert Domain.objects.get(pk=domain.pk).is_verified
