"""Errors raised by library provisioning and administration."""

from config.errors import ApplicationError


class LibraryError(ApplicationError):
    """A request about a library that cannot be carried out; the message says why."""
