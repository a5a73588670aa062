"""Errors raised by library provisioning and administration."""

from common.errors import ApplicationError


class LibraryError(ApplicationError):
    """A request about a library that cannot be carried out; the message says why."""
