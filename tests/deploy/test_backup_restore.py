"""The operations guide's backup and restore of one library (pg_dump -n, pg_restore) works."""

import contextlib
import glob
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

from catalog.models import Record
from catalog.services import RecordData, record_create
from tests.conftest import database_url


def _client_tool(name: str) -> str:
    """The PostgreSQL client tool of a version at least the server's (pg_dump refuses older).

    The machine's own tools come first; embedded PostgreSQL (pgserver) brings its own.
    """
    server_major = connection.pg_version // 10000
    candidates = [shutil.which(name), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))]
    with contextlib.suppress(ImportError):
        import pgserver

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    for path in filter(None, candidates):
        if not Path(path).exists():
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"(\d+)\.", version)
        if match and int(match[1]) >= server_major:
            return path
    pytest.skip(f"no {name} of PostgreSQL {server_major} or newer is installed")


def test_one_library_is_dumped_dropped_and_restored(live_library, tmp_path):
    schema = live_library.library.schema_name
    with schema_context(schema):
        for title in ("Kept one", "Kept two"):
            record_create(data=RecordData(title=title))
    dump = tmp_path / f"{schema}.dump"
    url = database_url()

    dumped = subprocess.run(
        [_client_tool("pg_dump"), f"--dbname={url}", "--format=custom", f"--schema={schema}",
         f"--file={dump}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    restored = subprocess.run(
        [_client_tool("pg_restore"), f"--dbname={url}", "--no-owner", str(dump)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr

    with schema_context(schema):
        assert sorted(Record.objects.values_list("title", flat=True)) == ["Kept one", "Kept two"]
    # Only that library was in the dump: another library's schema is not named in it.
    listing = subprocess.run(
        [_client_tool("pg_restore"), "--list", str(dump)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f" {schema} " in listing
    assert " alpha " not in listing
    assert " public " not in listing


def test_a_library_cache_keys_begin_with_its_schema(live_library):
    """The guide clears one library's cache with `redis-cli --scan --pattern '<schema>:*'`."""
    schema = live_library.library.schema_name
    with schema_context(schema):
        cache.set("guide:check", 1)
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    try:
        keys = [key.decode() for key in client.scan_iter(match=f"{schema}:*")]
        assert len(keys) == 1
        assert keys[0].endswith(":guide:check")
    finally:
        with schema_context(schema):
            cache.delete("guide:check")
