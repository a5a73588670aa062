"""Patron categories are shown in the staff's language when Stacks knows the code, and as the
library typed them otherwise; another library's staff see none of them."""

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from circulation.models import LoanRule, Patron
from tests.circulation.conftest import Desk, staff_client
from tests.conftest import OTHER_LIBRARY_HOST, language_set


def _categories(page: str) -> list[str]:
    return re.findall(r'data-label="(?:Category|Catégorie)">([^<]*)<', page)


@pytest.mark.parametrize(("language", "child"), [("en", "child"), ("fr", "enfant")])
def test_the_patron_list_shows_categories_in_the_staffs_language(
    library, librarian: Client, viewer: Client, desk: Desk, language: str, child: str
) -> None:
    language_set(library, language)
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(category="child")
        Patron.objects.filter(pk=desk.other_patron.pk).update(category="bookmobile")

    page = librarian.get("/staff/patrons/").text
    one = viewer.get(f"/staff/patrons/{desk.patron.pk}/").text

    assert sorted(_categories(page)) == sorted([child, "bookmobile"])
    assert f"<dd>{child}</dd>" in one


def test_a_refused_loan_names_the_category_in_the_staffs_language(
    library, librarian: Client, desk: Desk
) -> None:
    language_set(library, "fr")
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.patron.pk).update(category="child")
        LoanRule.objects.create(patron_category="child", for_loan=False)
    refused = librarian.post(
        "/api/v1/loans/",
        {"item_barcode": desk.item.barcode, "patron_barcode": desk.patron.barcode},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert "catégorie «\u00a0enfant\u00a0»" in refused.content.decode()


def test_another_librarys_staff_cannot_open_the_patron(desk: Desk, other_library) -> None:
    other = staff_client(other_library.schema_name, OTHER_LIBRARY_HOST, "librarian")

    assert other.get(f"/staff/patrons/{desk.patron.pk}/").status_code == 404
    with schema_context(desk.schema):
        assert Patron.objects.get(pk=desk.patron.pk).category == "adult"


def _options(page: str, name: str) -> list[tuple[str, str, str]]:
    """The (value, " selected" or "", label) of each option of the select called `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])


@pytest.fixture
def typed_categories(library, desk: Desk) -> LoanRule:
    """A library in French with two categories Stacks has no name for, typed by its staff: the
    other patron's "bookmobile" and a lending rule's "cdi" (the rule is returned)."""
    language_set(library, "fr")
    with schema_context(desk.schema):
        Patron.objects.filter(pk=desk.other_patron.pk).update(category="bookmobile")
        return LoanRule.objects.create(patron_category="cdi", loan_days=7)


def test_the_patron_form_offers_the_library_s_categories_by_name(
    librarian: Client, desk: Desk, typed_categories: LoanRule
) -> None:
    new = _options(librarian.get("/staff/patrons/new/").text, "category")
    assert ("adult", " selected", "adulte") in new
    assert ("child", "", "enfant") in new
    assert {("bookmobile", "", "bookmobile"), ("cdi", "", "cdi")} <= set(new)
    # A patron's own category is the one chosen.
    mine = _options(librarian.get(f"/staff/patrons/{desk.other_patron.pk}/").text, "category")
    assert [code for code, chosen, _label in mine if chosen] == ["bookmobile"]
    made = librarian.post("/staff/patrons/new/", {"name": "Odo", "barcode": "P-ODO",
                                                   "category": "child"})  # fmt: skip
    assert made.status_code == 302
    with schema_context(desk.schema):
        assert Patron.objects.get(barcode="P-ODO").category == "child"


def test_the_lending_rules_offer_the_categories_the_patron_form_offers(
    admin: Client, librarian: Client, desk: Desk, typed_categories: LoanRule
) -> None:
    rule = typed_categories
    offered = _options(admin.get("/staff/lending-rules/").text, "patron_category")
    assert (offered[0][0], offered[0][2]) == ("", "Toute catégorie")  # a rule for any
    patron_form = _options(librarian.get("/staff/patrons/new/").text, "category")
    assert [(code, label) for code, _chosen, label in offered[1:]] == [
        (code, label) for code, _chosen, label in patron_form
    ]
    # A rule's own category, typed before there was a list, stays chosen on its page.
    mine = _options(admin.get(f"/staff/lending-rules/{rule.pk}/").text, "patron_category")
    assert [code for code, chosen, _label in mine if chosen] == ["cdi"]
    changed = {"patron_category": "cdi", "item_type": "", "for_loan": "on", "loan_days": "14",
               "max_loans": "3", "renewals": "1", "max_holds": "2"}  # fmt: skip
    assert admin.post(f"/staff/lending-rules/{rule.pk}/", changed).status_code == 302
    made = admin.post("/staff/lending-rules/", {**changed, "patron_category": "child"})
    assert made.status_code == 302
    with schema_context(desk.schema):
        assert sorted(LoanRule.objects.values_list("patron_category", "loan_days")) == [
            ("cdi", 14), ("child", 14)
        ]  # fmt: skip
