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
    """With no DATABASE_URL set, use the services of a `make up` running on this checkout."""
    if os.environ.get("DATABASE_URL") or not RUNNING_ENV.exists():
        return
    values = dict(
        line.split("=", 1) for line in RUNNING_ENV.read_text().splitlines() if "=" in line
    )
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
