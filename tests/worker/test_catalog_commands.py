"""`import_catalog` and `export_catalog` given wrong arguments: a clear error, nothing written."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from catalog.imports.models import ExportJob, ImportJob
from tenants.models import Library
from tenants.platform import library_for_command
from tests.catalog.imports.helpers import MARC_DIR

MARC_FILE = str(MARC_DIR / "marc.dat")


def _jobs(schema: str) -> tuple[int, int]:
    with schema_context(schema):
        return ImportJob.objects.count(), ExportJob.objects.count()


def test_import_catalog_refuses_the_platform_schema(library: Library) -> None:
    with pytest.raises(CommandError, match="No library 'public'"):
        call_command("import_catalog", "--library", "public", MARC_FILE)


def test_import_catalog_refuses_a_suspended_library_before_queueing(library: Library) -> None:
    """The worker refuses a suspended library's tasks: the command would wait forever."""
    before = _jobs(library.schema_name)
    Library.objects.filter(pk=library.pk).update(status=Library.Status.SUSPENDED)

    with pytest.raises(CommandError, match="is suspended"):
        call_command(
            "import_catalog", "--library", library.schema_name, "--timeout", "3", MARC_FILE
        )

    assert _jobs(library.schema_name) == before


def test_export_catalog_refuses_the_platform_schema(library: Library, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No library 'public'"):
        call_command(
            "export_catalog", "--library", "public", "--format", "csv", str(tmp_path / "a.csv")
        )


def test_export_catalog_into_a_missing_folder_writes_no_export(
    library: Library, tmp_path: Path
) -> None:
    before = _jobs(library.schema_name)
    out = tmp_path / "missing" / "catalog.csv"

    with pytest.raises(CommandError, match="missing"):
        call_command(
            "export_catalog", "--library", library.schema_name, "--format", "csv", str(out)
        )

    assert _jobs(library.schema_name) == before
    assert not out.parent.exists()


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("[1]", "--filters must be a JSON object"),
        ('"eng"', "--filters must be a JSON object"),
        ('{"bogus": 1}', "Unknown filter bogus"),
    ],
)
def test_export_catalog_with_wrong_filters_says_why(
    library: Library, tmp_path: Path, filters: str, message: str
) -> None:
    before = _jobs(library.schema_name)
    out = tmp_path / "catalog.csv"

    with pytest.raises(CommandError, match=message):
        call_command(
            "export_catalog",
            "--library",
            library.schema_name,
            "--format",
            "csv",
            "--filters",
            filters,
            str(out),
        )

    assert _jobs(library.schema_name) == before
    assert not out.exists()


def test_export_catalog_writes_semicolons_when_asked(library: Library, tmp_path: Path) -> None:
    comma, semicolon = tmp_path / "comma.csv", tmp_path / "semicolon.csv"
    call_command("export_catalog", "--library", library.schema_name, "--format", "csv",
                 str(comma))  # fmt: skip
    call_command("export_catalog", "--library", library.schema_name, "--format", "csv",
                 "--separator", ";", str(semicolon))  # fmt: skip
    assert comma.read_text(encoding="utf-8-sig").startswith("id,title,subtitle,")
    assert semicolon.read_text(encoding="utf-8-sig").startswith("id;title;subtitle;")


def test_commands_take_a_library_by_its_signed_up_name_or_host_name(
    library: Library, tmp_path: Path
) -> None:
    # A row alone (no schema is needed to be found): signed up as bu-lyon, its schema is bu_lyon.
    Library.objects.bulk_create([Library(schema_name="bu_lyon", name="BU Lyon")])
    assert library_for_command("bu-lyon").schema_name == "bu_lyon"
    assert library_for_command("BU_Lyon").schema_name == "bu_lyon"
    out = tmp_path / "catalog.csv"
    call_command("export_catalog", "--library", "alpha.localhost", "--format", "csv", str(out))
    assert out.exists()
    with pytest.raises(CommandError, match=r"No library 'bu-lyom'.* Did you mean bu_lyon\?"):
        call_command("export_catalog", "--library", "bu-lyom", "--format", "csv", str(out))
