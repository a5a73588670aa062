"""A contributor or subject heading that a record names is not deleted from under it, and a
record's links keep the names the staff pages label them by."""

import pytest
from django.db.models import ProtectedError

from catalog.models import Contributor, RecordContributor, RecordSubject, Subject
from catalog.services import RecordData, record_create
from tenants.models import Library


@pytest.mark.parametrize(
    ("heading", "link", "label"),
    [(Contributor, RecordContributor, "Contributor"), (Subject, RecordSubject, "Subject")],
)
def test_a_named_heading_is_kept(
    in_library: Library, heading: type, link: type, label: str
) -> None:
    record = record_create(
        data=RecordData(
            title="Atemschaukel",
            contributors=[("Müller, Herta", "author")],
            subjects=[("Deportation", "lcsh")],
        )
    )
    named = heading.objects.get()
    with pytest.raises(ProtectedError):
        named.delete()
    assert heading.objects.filter(pk=named.pk).exists()
    assert link.objects.filter(record=record).count() == 1
    field = link._meta.get_field(heading.__name__.lower())
    assert str(field.verbose_name) == label
    assert field.related_model is heading
