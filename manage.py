#!/usr/bin/env python
"""Django's command-line utility for Stacks."""

import os
import sys
from pathlib import Path

RUNNING_ENV = Path(
    os.environ.get("STACKS_RUNNING_ENV")
    or Path(__file__).resolve().parent / ".stacks" / "dev" / "running.env"
)


def running_stack_env() -> None:
    """Act on the `make up` running on this checkout: with no DATABASE_URL set, or with its own.

    A shell that names the running stack's database still gets the rest (its Redis, the port
    the site's links carry); one that names another database is left alone.
    """
    if not RUNNING_ENV.exists():
        return
    values = dict(
        line.split("=", 1) for line in RUNNING_ENV.read_text().splitlines() if "=" in line
    )
    if os.environ.get("DATABASE_URL", values.get("DATABASE_URL")) != values.get("DATABASE_URL"):
        return
    try:
        os.kill(int(values.pop("STACKS_UP_PID", "0")), 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return  # left behind by a `make up` that did not stop cleanly
    for name, value in values.items():
        os.environ.setdefault(name, value)


def main() -> None:
    running_stack_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
