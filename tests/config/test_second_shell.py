"""While `make up` runs, the README's commands work in a second shell with nothing set."""

import os
import subprocess
import sys

from django_tenants.utils import schema_context

from staff.models import ApiKey
from tenants.models import Library
from tenants.services import library_drop
from tests.conftest import ROOT, database_url

# What a fresh shell has: none of the suite's own variables.
SUITE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG")


def _second_shell(running_env: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES}
    env["STACKS_RUNNING_ENV"] = running_env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_create_api_key_reaches_the_running_stack(live_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    running = tmp_path / "running.env"
    running.write_text(
        f"STACKS_UP_PID={os.getpid()}\nDATABASE_URL={database_url()}\n"
        f"REDIS_URL={os.environ['REDIS_URL']}\nDEBUG=1\n"
    )
    name = f"second shell {os.getpid()}"
    done = _second_shell(str(running), "create_api_key", "--library", "alpha", "--name", name,
                         "--scope", "read")  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr
        with schema_context("alpha"):
            assert ApiKey.objects.filter(name=name).count() == 1
    finally:
        with schema_context("alpha"):
            ApiKey.objects.filter(name=name).delete()


def test_a_stale_file_from_a_stopped_stack_is_ignored(live_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    running = tmp_path / "running.env"
    # A pid that no longer exists: the stack that wrote the file has stopped.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    running.write_text(f"STACKS_UP_PID={gone.pid}\nDATABASE_URL={database_url()}\nDEBUG=1\n")
    done = _second_shell(str(running), "create_api_key", "--library", "alpha", "--name", "stale",
                         "--scope", "read")  # fmt: skip
    assert done.returncode != 0
    with schema_context("alpha"):
        assert not ApiKey.objects.filter(name="stale").exists()


def _running_env(tmp_path, port: str) -> str:  # type: ignore[no-untyped-def]
    running = tmp_path / "running.env"
    running.write_text(
        f"STACKS_UP_PID={os.getpid()}\nDATABASE_URL={database_url()}\n"
        f"REDIS_URL={os.environ['REDIS_URL']}\nDEBUG=1\nSTACKS_SITE_PORT={port}\n"
    )
    return str(running)


def test_a_library_made_beside_the_stack_is_printed_with_its_port(live_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The address printed is one the librarian can open: the running stack's port included,
    whether the second shell names the stack's database (as on a machine with its own
    PostgreSQL) or nothing at all."""
    running = _running_env(tmp_path, "8123")
    for schema, database in (("portbare", None), ("portnamed", database_url())):
        extra = ["--admin-password", "a-long-password-1"]
        env_first = {"DATABASE_URL": database} if database else {}
        env = {k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES}
        env.update(STACKS_RUNNING_ENV=running, **env_first)
        done = subprocess.run(
            [sys.executable, "manage.py", "create_library", schema, "--name", schema.title(),
             "--domain", f"{schema}.localhost", "--admin-email", f"a@{schema}.example", *extra],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        try:
            assert done.returncode == 0, done.stderr
            assert f"http://{schema}.localhost:8123/" in done.stdout, done.stdout
        finally:
            library = Library.objects.filter(schema_name=schema).first()
            if library is not None:
                library_drop(library=library)
