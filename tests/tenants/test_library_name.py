"""A library's name has 1 to 200 characters, spaces around it left out: at sign-up, when an
operator creates the library and when its admin renames it."""

from collections.abc import Callable

import pytest

from common.errors import ApplicationError
from tenants.administration import library_settings_update
from tenants.models import Library, Signup
from tenants.onboarding import signup_create
from tenants.services import library_create

REFUSAL = "A library needs a name of 1 to 200 characters."


def _sign_up(library: Library, name: str) -> str:
    return signup_create(name=name, subdomain="newlib", admin_email="admin@newlib.example").name


def _create(library: Library, name: str) -> str:
    return library_create(
        schema_name="newlib",
        name=name,
        domain="newlib.localhost",
        admin_email="admin@newlib.example",
    ).library.name


def _rename(library: Library, name: str) -> str:
    return library_settings_update(library=library, actor="admin", name=name).name


@pytest.mark.parametrize("way", [_sign_up, _create, _rename], ids=["sign-up", "create", "rename"])
@pytest.mark.parametrize("name", ["", "   ", "x" * 201], ids=["empty", "spaces", "too long"])
def test_a_name_without_1_to_200_characters_is_refused(
    library: Library, way: Callable[[Library, str], str], name: str
) -> None:
    before = Library.objects.filter(pk=library.pk).values_list("name", flat=True).get()
    with pytest.raises(ApplicationError) as refused:
        way(library, name)
    assert refused.value.message == REFUSAL
    assert list(refused.value.fields) == ["name"]
    assert not Signup.objects.exists()
    assert not Library.objects.filter(schema_name="newlib").exists()
    assert Library.objects.filter(pk=library.pk).values_list("name", flat=True).get() == before


@pytest.mark.parametrize("way", [_sign_up, _rename], ids=["sign-up", "rename"])
def test_a_name_is_kept_without_the_spaces_around_it(
    library: Library, way: Callable[[Library, str], str]
) -> None:
    assert way(library, "  Springfield Public Library ") == "Springfield Public Library"
    assert way(library, "x" * 200) == "x" * 200
