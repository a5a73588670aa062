"""A settings change with several wrong values: one answer names each of them, in the order of
the settings form, in words that say what each may be; the right ones are cleaned as stored."""

import pytest
from django_tenants.utils import tenant_context

from common.errors import ApplicationError
from tenants.administration import library_settings_clean
from tenants.models import Library


def test_every_wrong_setting_is_named_in_one_answer(library: Library) -> None:
    with tenant_context(library), pytest.raises(ApplicationError) as refused:
        library_settings_clean(
            name="Springfield",
            public_catalog="yes",  # type: ignore[typeddict-item]
            default_location_code="NOWHERE",
            language="xx",
            time_zone="Mars/Olympus",
            contact_email="desk at library",
        )
    fields = refused.value.fields
    assert list(fields) == [
        "public_catalog", "default_location_code", "language", "time_zone", "contact_email"
    ]  # fmt: skip
    assert "public_catalog is true or false" in fields["public_catalog"][0]
    assert "NOWHERE" in fields["default_location_code"][0]
    assert fields["language"] == [
        "Choose one of the languages Stacks speaks: en, fr, de, es, not “xx”."
    ]
    assert fields["time_zone"][0].startswith("“Mars/Olympus” is not a time zone")
    assert "“desk at library” is not an email address" in fields["contact_email"][0]


def test_right_settings_are_cleaned_as_stored(library: Library) -> None:
    with tenant_context(library):
        changed = library_settings_clean(
            name="  Springfield  ",
            public_catalog=False,
            default_location_code="  ",
            language="fr",
            time_zone="Europe/Paris",
            contact_email=" desk@library.example ",
        )
    assert changed == {
        "name": "Springfield",
        "public_catalog": False,
        "default_location_code": "",
        "language": "fr",
        "time_zone": "Europe/Paris",
        "contact_email": "desk@library.example",
    }
    assert list(changed) == [
        "name", "public_catalog", "default_location_code", "language", "time_zone",
        "contact_email",
    ]  # fmt: skip
