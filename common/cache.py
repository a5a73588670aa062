"""Django's Redis cache with its clients made once per process, failing open when Redis is away.

Django's backend builds a new `redis.Redis` for every cache call, and each one fills a table of
some two hundred response callbacks: on an API request that cost more than the round trips.
With several servers configured, a process keeps reading from the replica it first picked.

Everything cached here can be recomputed (host lookups, pages, statistics), so while Redis is
unreachable a read is a miss and a write is dropped: the site stays up on the database alone.
"""

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# The errors that mean "Redis is not there", as opposed to a bug in the call.
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
# After a failure, calls skip Redis for this long instead of each waiting for a connect error.
_BACKOFF_SECONDS = 2.0


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


class ReusedClientRedisCache(RedisCache):
    """The Redis cache that answers "miss" (reads) and "not stored" (writes) while Redis is down."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        if self.available:
            logger.warning("cache unavailable, serving without it: %s", exc)
        self._down_until = time.monotonic() + _BACKOFF_SECONDS

    def _guard(self, default: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if not self.available:
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except REDIS_UNAVAILABLE as exc:
            self._failed(exc)
            return default

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(default, "get", key, default, version)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._guard({}, "get_many", keys, version)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._guard(None, "set", *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._guard(False, "add", *args, **kwargs))

    def set_many(self, data: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return list(self._guard(list(data), "set_many", data, *args, **kwargs))

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._guard(False, "touch", *args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._guard(False, "delete", *args, **kwargs))

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        self._guard(None, "delete_many", *args, **kwargs)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # Counters (throttles) start again from nothing while Redis is away: they let through.
        return int(self._guard(delta, "incr", key, delta, version))

    def decr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return int(self._guard(-delta, "decr", key, delta, version))

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._guard(False, "has_key", *args, **kwargs))

    def shared_mark(self, name: str, member: str, *, keep_seconds: float = 60) -> None:
        """Stamp `member` with the time now in a set every library sees (its key carries no
        schema); stamps older than `keep_seconds` are dropped in the same round trip."""
        if not self.available:
            return
        now, key = time.time(), self._shared_key(name)
        try:
            pipe = self._client(write=True).pipeline(transaction=False)
            pipe.zadd(key, {member: now})
            pipe.zremrangebyscore(key, "-inf", now - keep_seconds)
            pipe.execute()
        except REDIS_UNAVAILABLE as exc:
            self._failed(exc)

    def shared_marked_since(self, name: str, seconds: float) -> frozenset[str]:
        """The members shared_mark stamped within the last `seconds` (none while Redis is away)."""
        if not self.available:
            return frozenset()
        try:
            members = self._client().zrangebyscore(
                self._shared_key(name), time.time() - seconds, "+inf"
            )
        except REDIS_UNAVAILABLE as exc:
            self._failed(exc)
            return frozenset()
        return frozenset(m.decode() if isinstance(m, bytes) else str(m) for m in members)

    def shared_forget(self, name: str) -> None:
        """Remove what shared_mark stamped under `name`."""
        if not self.available:
            return
        try:
            self._client(write=True).delete(self._shared_key(name))
        except REDIS_UNAVAILABLE as exc:
            self._failed(exc)

    def _client(self, *, write: bool = False) -> Any:
        return self._cache.get_client(write=write)  # type: ignore[attr-defined]

    def _shared_key(self, name: str) -> str:
        # Shaped as the libraries' keys are (<schema>:<prefix>:...), with "shared" for a schema.
        return f"shared:{self.key_prefix}:{name}"
