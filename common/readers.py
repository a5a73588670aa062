"""Whether the web is serving a library's readers right now: requests note it, other
libraries' imports give way to it.

Every web process stamps the library it serves in one set in the shared cache, at most a few
times a second per library; a stamp counts for READERS_LINGER_SECONDS. A library's large import
pauses between its chunks while any other library's readers are being served
(catalog.imports.running), so its neighbours' searches keep their speed; its own library's
requests (a librarian watching the import's progress) do not slow it.
"""

import time
from typing import cast

from django.core.cache import caches

from common.cache import ReusedClientRedisCache

FLAG = "readers"
# How long a library counts as read after its last request, and how often a process stamps it.
READERS_LINGER_SECONDS = 1.0
_RAISE_EVERY_SECONDS = 0.25

_raised_at: dict[str, float] = {}


def _cache() -> ReusedClientRedisCache:
    return cast(ReusedClientRedisCache, caches["default"])


def readers_note(library: str) -> None:
    """A request to `library` (its schema) is being served: one cache write per process and
    library every quarter second at most."""
    now = time.monotonic()
    if now - _raised_at.get(library, float("-inf")) < _RAISE_EVERY_SECONDS:
        return
    _raised_at[library] = now
    _cache().shared_mark(FLAG, library)


def readers_active(*, other_than: str = "") -> bool:
    """Whether any web process served a library other than `other_than` within the last
    READERS_LINGER_SECONDS."""
    return bool(_cache().shared_marked_since(FLAG, READERS_LINGER_SECONDS) - {other_than})
