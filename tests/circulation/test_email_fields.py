"""The staff invitation's and the patron form's email fields are type=email: a phone shows @."""

import re

import pytest


@pytest.mark.parametrize("path", ["/staff/people/", "/staff/patrons/new/"])
def test_email_fields_are_typed_as_email(admin, path):
    page = admin.get(path).text
    field = re.search(r'<input[^>]*name="email"[^>]*>', page)
    assert field is not None, path
    assert 'type="email"' in field.group(0)
