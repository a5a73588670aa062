"""The catalog's staff pages write through the services: headings, locations and refusals."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Change, Contributor, Item, Location, Record, Subject
from catalog.search import record_search
from catalog.services import ItemData, RecordData, item_create, location_create, record_create
from common.errors import Conflict
from staff.services import user_create
from tests.conftest import LIBRARY_HOST, OTHER_LIBRARY_HOST, PASSWORD
from tests.tenants.admin_helpers import signed_in


@pytest.fixture
def librarian(library) -> Client:  # type: ignore[no-untyped-def]
    with schema_context("alpha"):
        user_create(email="pages@alpha.example", role="librarian", password=PASSWORD)
    return signed_in(LIBRARY_HOST, "alpha", "pages@alpha.example", client_class=Client)


def _feed_end() -> int:
    return Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_renaming_a_contributor_refreshes_the_records_crediting_it(librarian):
    with schema_context("alpha"):
        dune = RecordData(title="Dune", contributors=[("Frank Herbert", "author")])
        record = record_create(data=dune)
        other = record_create(data=RecordData(title="Emma", contributors=[("J. Austen", "author")]))
        herbert = Contributor.objects.get(name="Frank Herbert")
        since = _feed_end()

    page = f"/admin/catalog/contributor/{herbert.pk}/change/"
    assert librarian.post(page, {"name": "Franklin Herbert"}).status_code == 302

    with schema_context("alpha"):
        herbert.refresh_from_db()
        assert (herbert.name, herbert.name_key) == ("Franklin Herbert", "franklin herbert")
        assert [r.pk for r in record_search(q="franklin")] == [record.pk]
        versions = dict(Record.objects.values_list("pk", "version"))
        assert (versions[record.pk], versions[other.pk]) == (2, 1)
        feed = Change.objects.filter(pk__gt=since).values_list("entity", "entity_id", "action")
        assert list(feed) == [("record", record.pk, "updated")]


def test_a_heading_that_folds_to_another_is_refused_on_the_form(librarian):
    with schema_context("alpha"):
        Contributor.objects.create(name="Frank Herbert", name_key="frank herbert")
        Subject.objects.create(heading="Deserts", scheme="lcsh", heading_key="deserts")

    taken = librarian.post("/admin/catalog/contributor/add/", {"name": "FRANK herbert."})
    assert taken.status_code == 200
    assert "This one exists already: choose it from the list." in taken.text
    blank = librarian.post("/admin/catalog/contributor/add/", {"name": "?!"})
    assert "Give a name with at least one letter or digit." in blank.text
    same_scheme = librarian.post(
        "/admin/catalog/subject/add/", {"heading": "deserts.", "scheme": "lcsh"}
    )
    assert "This one exists already" in same_scheme.text
    other_scheme = librarian.post(
        "/admin/catalog/subject/add/", {"heading": "Deserts", "scheme": "local"}
    )
    assert other_scheme.status_code == 302
    with schema_context("alpha"):
        assert Contributor.objects.count() == 1
        assert sorted(Subject.objects.values_list("scheme", "heading_key")) == [
            ("lcsh", "deserts"),
            ("local", "deserts"),
        ]


def test_a_new_subject_is_offered_as_the_librarys_own(librarian):
    """The admin's form starts a heading in the scheme every other writer gives a heading sent
    without one: local, not LCSH."""
    page = librarian.get("/admin/catalog/subject/add/").content.decode()
    assert 'name="scheme" value="local"' in page


def test_location_codes_are_checked_by_the_location_service(librarian):
    with schema_context("alpha"):
        main = location_create(code="MAIN", name="Main shelves")

    taken = librarian.post("/admin/catalog/location/add/", {"code": "MAIN", "name": "Again"})
    assert taken.status_code == 200
    assert "A location with code \u201cMAIN\u201d already exists." in taken.text
    assert "Location with this Code already exists." not in taken.text  # said once
    added = librarian.post("/admin/catalog/location/add/", {"code": " KIDS ", "name": "Children"})
    assert added.status_code == 302
    renamed = librarian.post(
        f"/admin/catalog/location/{main.pk}/change/", {"code": "MAIN", "name": " Main floor "}
    )
    assert renamed.status_code == 302
    with schema_context("alpha"):
        assert sorted(Location.objects.values_list("code", "name")) == [
            ("KIDS", "Children"),
            ("MAIN", "Main floor"),
        ]
        kids = Location.objects.get(code="KIDS")

    deleted = librarian.post(
        "/admin/catalog/location/",
        {"action": "delete_selected", "_selected_action": [str(kids.pk)], "post": "yes"},
    )
    assert deleted.status_code == 302
    with schema_context("alpha"):
        assert list(Location.objects.values_list("code", flat=True)) == ["MAIN"]


def test_a_service_refusal_rolls_the_page_back_and_says_why(librarian, monkeypatch):
    # A refusal the form could not foresee (another librarian's write in between): simulated,
    # since the race itself cannot be timed from one request.
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Dune"))
        item = item_create(record_id=record.pk, data=ItemData(barcode="B-1"))
        since = _feed_end()

    def refuse(**kwargs: object) -> None:
        raise Conflict("Someone else changed this copy meanwhile.")

    monkeypatch.setattr("catalog.admin.items.item_update", refuse)
    page = f"/admin/catalog/item/{item.pk}/change/"
    form = {"record": str(record.pk), "barcode": "B-2", "call_number": "", "location": "",
            "status": "missing", "price": "", "acquired_on": "", "public_note": "",
            "staff_note": ""}  # fmt: skip
    refused = librarian.post(page, form)

    assert refused.status_code == 302
    assert refused.url == page
    assert "Someone else changed this copy meanwhile." in librarian.get(page).text
    with schema_context("alpha"):
        item.refresh_from_db()
        assert (item.barcode, item.status, item.version) == ("B-1", "available", 1)
        assert _feed_end() == since


def test_another_librarys_staff_cannot_write_through_these_pages(library, other_library):
    with schema_context("alpha"):
        record = record_create(data=RecordData(title="Alpha only"))
        herbert = Contributor.objects.create(name="Frank Herbert", name_key="frank herbert")
        main = location_create(code="MAIN", name="Main shelves")
    beta = signed_in(OTHER_LIBRARY_HOST, "beta", "admin@beta.example", client_class=Client)

    for path, form in [
        (f"/admin/catalog/contributor/{herbert.pk}/change/", {"name": "Beta"}),
        (f"/admin/catalog/location/{main.pk}/change/", {"code": "BETA", "name": "Beta"}),
        (f"/admin/catalog/record/{record.pk}/delete/", {"post": "yes"}),
    ]:
        assert beta.post(path, form).status_code in (302, 404), path
    with schema_context("alpha"):
        assert Contributor.objects.get().name == "Frank Herbert"
        assert Location.objects.get().code == "MAIN"
        assert Record.objects.filter(pk=record.pk).exists()
        assert not Item.objects.exists()
    with schema_context("beta"):
        assert not Contributor.objects.exists()
        assert not Location.objects.exists()


ENGLISH_LEFT = (
    "Alpha Library: catalog",
    "Records, items and locations",
    "Records, copies and locations",
    "Title, contributor name",
    "Barcode (exact or part)",
    "of record",
    ">Contributors<",
    ">Subjects<",
    ">Identifiers<",
    ">Record<",
    "Record:",
    "Catalog<",
)


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_cataloguing_pages_speak_the_librarian_s_language(librarian, language):
    """Headings, search hints, inline tables and columns of the staff cataloguing pages are in
    the language the librarian chose, not left in English."""
    with schema_context("alpha"):
        location = location_create(code="MAIN", name="Main")
        dune = RecordData(title="Dune", contributors=[("Frank Herbert", "author")])
        dune.subjects = [("Sand", "lcsh")]
        record = record_create(data=dune)
        item_create(record_id=record.pk, data=ItemData(barcode="B1", location_id=location.pk))
    librarian.get("/language/", {"language": language, "next": "/staff/"})
    paths = [
        "/admin/",
        "/admin/catalog/record/",
        f"/admin/catalog/record/{record.pk}/change/",
        "/admin/catalog/item/",
        "/admin/catalog/item/add/",
        "/admin/catalog/location/",
    ]
    for path in paths:
        page = librarian.get(path)
        assert page.status_code == 200, path
        text = page.content.decode()
        assert f'lang="{language}"' in text
        left = [english for english in ENGLISH_LEFT if english in text]
        assert not left, (path, left)
    french = {"fr": "Notices, exemplaires et localisations", "de": "Datensätze, Exemplare und",
              "es": "Registros, ejemplares y"}[language]  # fmt: skip
    assert french in librarian.get("/admin/").content.decode()


# Each model's add, change and view titles: a whole sentence of ours, not Django's "Add %s"
# around the model's name (« Ajout de exemplaire »).
PAGE_TITLES = {
    "fr": {
        "record": ("Ajouter une notice", "Modifier la notice", "Consulter la notice"),
        "item": ("Ajouter un exemplaire", "Modifier l\u2019exemplaire",
                 "Consulter l\u2019exemplaire"),
        "location": ("Ajouter une localisation", "Modifier la localisation",
                     "Consulter la localisation"),
        "contributor": ("Ajouter un contributeur", "Modifier le contributeur",
                        "Consulter le contributeur"),
        "subject": ("Ajouter un sujet", "Modifier le sujet", "Consulter le sujet"),
    },
    "de": {
        "record": ("Datensatz hinzufügen", "Datensatz ändern", "Datensatz ansehen"),
        "item": ("Exemplar hinzufügen", "Exemplar ändern", "Exemplar ansehen"),
        "location": ("Standort hinzufügen", "Standort ändern", "Standort ansehen"),
        "contributor": ("Beteiligte Person hinzufügen", "Beteiligte Person ändern",
                        "Beteiligte Person ansehen"),
        "subject": ("Schlagwort hinzufügen", "Schlagwort ändern", "Schlagwort ansehen"),
    },
    "es": {
        "record": ("Añadir un registro", "Modificar el registro", "Ver el registro"),
        "item": ("Añadir un ejemplar", "Modificar el ejemplar", "Ver el ejemplar"),
        "location": ("Añadir una ubicación", "Modificar la ubicación", "Ver la ubicación"),
        "contributor": ("Añadir un colaborador", "Modificar el colaborador", "Ver el colaborador"),
        "subject": ("Añadir una materia", "Modificar la materia", "Ver la materia"),
    },
}  # fmt: skip


def test_every_page_the_admin_shows_has_titles_of_its_own():
    from catalog.admin import catalog_admin

    models = {model._meta.model_name for model in catalog_admin._registry}
    assert models == set(PAGE_TITLES["fr"])
    for model_admin in catalog_admin._registry.values():
        assert len(model_admin.page_titles) == 3, model_admin


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_add_change_and_view_titles_read_as_the_language_writes(library, language):
    with schema_context("alpha"):
        location = location_create(code="MAIN", name="Main")
        dune = RecordData(title="Dune", contributors=[("Frank Herbert", "author")])
        dune.subjects = [("Sand", "lcsh")]
        record = record_create(data=dune)
        item = item_create(record_id=record.pk, data=ItemData(barcode="B1"))
        ids = {"record": record.pk, "item": item.pk, "location": location.pk,
               "contributor": Contributor.objects.get().pk,
               "subject": Subject.objects.get().pk}  # fmt: skip
        for role in ("librarian", "viewer"):
            user_create(email=f"{role}-titles@alpha.example", role=role, password=PASSWORD)
    clients = {
        role: signed_in(LIBRARY_HOST, "alpha", f"{role}-titles@alpha.example", client_class=Client)
        for role in ("librarian", "viewer")
    }
    for model, (add, change, view) in PAGE_TITLES[language].items():
        pages = [
            (clients["librarian"], f"/admin/catalog/{model}/add/", add),
            (clients["librarian"], f"/admin/catalog/{model}/{ids[model]}/change/", change),
            (clients["viewer"], f"/admin/catalog/{model}/{ids[model]}/change/", view),
        ]
        for client, path, title in pages:
            text = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert f"<h1>{title}</h1>" in text, (path, title)
            assert f"{title} | " in text.split("</title>")[0], (path, title)
