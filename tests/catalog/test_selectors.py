"""Record selectors: the links each listed record carries, from a fixed number of queries."""

from catalog.selectors import (
    Credit,
    IdentifierValue,
    SubjectLink,
    record_get,
    record_links_attach,
    record_links_rows,
    record_list,
)
from catalog.services import RecordData, record_create


def test_listed_records_carry_their_links_in_order(in_library, django_assert_num_queries):
    made = [
        record_create(
            data=RecordData(
                title=f"Volume {n}",
                contributors=[(f"Second{n}, B.", "editor"), (f"First{n}, A.", "author")],
                subjects=[(f"Zebras {n}", "lcsh"), (f"Apes {n}", "fast")],
                identifiers=[("oclc", f"{900 + n}"), ("isbn", "0-441-47812-3")],
            )
        )
        for n in range(3)
    ]
    with django_assert_num_queries(4):  # records, credits, subjects, identifiers
        records = list(record_list().filter(pk__in=[r.pk for r in made]).order_by("id"))
        record_links_attach(records)
    first = records[0]
    assert [c.contributor_name for c in first.credit_list] == ["Second0, B.", "First0, A."]
    assert [c.role for c in first.credit_list] == ["editor", "author"]
    assert all(isinstance(c, Credit) for c in first.credit_list)
    assert all(isinstance(s, SubjectLink) for s in first.subject_link_list)
    assert [(s.subject_heading, s.subject_scheme) for s in first.subject_link_list] == [
        ("Zebras 0", "lcsh"), ("Apes 0", "fast"),
    ]  # fmt: skip
    assert first.identifier_list == [
        IdentifierValue("isbn", "9780441478125"), IdentifierValue("oclc", "900"),
    ]  # fmt: skip
    assert [r.credit_list[1].contributor_name for r in records] == [
        "First0, A.", "First1, A.", "First2, A.",
    ]  # fmt: skip
    assert record_get(record_id=made[2].pk).subject_link_list[1].subject_heading == "Apes 2"


def test_records_without_links_and_no_records_cost_no_link_queries(
    in_library, django_assert_num_queries
):
    record_create(data=RecordData(title="Alone", contributors=[("Solo, A.", "author")]))
    with django_assert_num_queries(1):
        (record,) = list(record_list())
    assert not hasattr(record, "credit_list")
    with django_assert_num_queries(0):
        record_links_attach([])
        assert record_links_rows([]) == ([], [], [])
    with django_assert_num_queries(4):  # the record, then its three links
        assert record_get(record_id=record.pk).credit_list[0].contributor_name == "Solo, A."


def test_records_loaded_from_rows_behave_as_django_builds_them(in_library):
    from catalog.models import Record
    from catalog.services import RecordData, record_create

    made = record_create(data=RecordData(title="Dune", source_marc=b"00042cam"))

    loaded = Record.objects.defer("source_marc").get(pk=made.pk)

    assert loaded == made
    assert loaded._state.adding is False
    assert loaded._state.db == "default"
    assert loaded.get_deferred_fields() == {"source_marc"}
    assert bytes(loaded.source_marc) == b"00042cam"  # a deferred field loads on first access
    loaded.title = "Dune Messiah"
    loaded.save(update_fields=["title"])  # an update, not an insert
    assert Record.objects.get(pk=made.pk).title == "Dune Messiah"
    assert Record.objects.count() == 1
