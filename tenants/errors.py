"""Errors raised by library provisioning and administration."""

from common.errors import ApplicationError


class LibraryError(ApplicationError):
    """A request about a library that cannot be carried out; the message says why."""


class SignupsPaused(LibraryError):
    """The platform-wide sign-up budget is spent for now; `retry_after` says for how long."""

    status_code = 429
    code = "signups_paused"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LinkExpired(LibraryError):
    status_code = 410
    code = "link_expired"
