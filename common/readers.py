"""Whether the web is serving people right now: requests note it, imports give way to it.

Every web process raises one flag in the shared cache while it serves requests, at most a few
times a second; it falls when no request came for READERS_LINGER_SECONDS. A library's large
import pauses between its chunks while the flag is up (catalog.imports.running), so the
searches of every library on the same machine keep their speed.
"""

import time
from typing import cast

from django.core.cache import caches

from common.cache import ReusedClientRedisCache

FLAG = "readers"
# How long the flag stays up after the last request, and how often a process raises it again.
READERS_LINGER_SECONDS = 1.0
_RAISE_EVERY_SECONDS = 0.25

_raised_at = -_RAISE_EVERY_SECONDS


def _cache() -> ReusedClientRedisCache:
    return cast(ReusedClientRedisCache, caches["default"])


def readers_note() -> None:
    """A request is being served (one cache write per process every quarter second at most)."""
    global _raised_at
    now = time.monotonic()
    if now - _raised_at < _RAISE_EVERY_SECONDS:
        return
    _raised_at = now
    _cache().shared_flag_raise(FLAG, READERS_LINGER_SECONDS)


def readers_active() -> bool:
    """Whether any web process served a request within the last READERS_LINGER_SECONDS."""
    return _cache().shared_flag_up(FLAG)
