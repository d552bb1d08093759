"""The per-sender sliding-window rate limit: shared by every gateway replica through Redis when
`REDIS_URL` is set, else kept in the gateway process's memory.

`RateLimiter` is the in-memory window (one gateway process, or the fallback). `RedisRateLimiter`
keeps each sender's window in a Redis sorted set (`<GATEWAY_REDIS_PREFIX>:ratelimit:<pseudonym>`,
expiring with the window) and decides in one Lua script timed by the Redis server's clock, so
two replicas cannot both let the limit's last message through and their clocks do not matter.

When Redis cannot be reached the limit is not dropped: the gateway logs one warning that it now
counts in its own memory, so the limit holds per replica (at most replicas × the rate for one
sender) until Redis answers again, tries Redis again every `RETRY_SECONDS`, and logs the
recovery. `make_rate_limiter` picks one from the gateway's settings.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque

from helpline.settings import GatewaySettings

log = logging.getLogger(__name__)

#: While Redis is unreachable, how long the fallback serves before Redis is tried again.
RETRY_SECONDS = 5.0
#: Connecting to and answering from Redis on a LAN takes well under this; a message is not
#: held longer than this by a Redis that hangs.
REDIS_TIMEOUT_SECONDS = 0.5

#: Drop the window's old hits, count, and add this one when under the limit (1) or refuse (0).
#: TIME is the Redis server's clock, in microseconds.
WINDOW_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return 1
"""


class RateLimiter:
    """At most `limit` messages per `window` seconds for each key, in this process's memory."""

    shared = False

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]

    async def open(self) -> None:
        log.info("rate limit kept in this gateway process (no REDIS_URL): %d per %.0f s "
                 "per sender and replica", self.limit, self.window)

    async def check(self, key: str) -> bool:
        return self.allow(key)

    async def close(self) -> None:
        return None


def redis_address(url: str) -> str:
    """host:port/db of a Redis URL, without its password (what the logs may say)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    db = parts.path.lstrip("/") or "0"
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}/{db}"


class RedisRateLimiter:
    """The same window for every gateway replica, kept in Redis; `RateLimiter` in this process
    while Redis is unreachable (logged when it starts and when it ends)."""

    def __init__(self, url: str, limit: int, window: float = 60.0, prefix: str = "helpline",
                 timeout: float = REDIS_TIMEOUT_SECONDS, retry_seconds: float = RETRY_SECONDS
                 ) -> None:
        import redis.asyncio as redis

        self.limit = limit
        self.window = window
        self.prefix = prefix
        self.address = redis_address(url)
        self.retry_seconds = retry_seconds
        self.fallback = RateLimiter(limit, window)
        self._client = redis.Redis.from_url(url, socket_timeout=timeout,
                                            socket_connect_timeout=timeout)
        self._script = self._client.register_script(WINDOW_SCRIPT)
        #: Monotonic time until which the fallback serves; 0 while Redis answers.
        self._degraded_until = 0.0
        self._degraded = False

    @property
    def shared(self) -> bool:
        """True while the window is the one every replica shares (Redis answered last)."""
        return not self._degraded

    def key(self, sender: str) -> str:
        return f"{self.prefix}:ratelimit:{sender}"

    async def open(self) -> None:
        """Say at start-up where the limit is kept (a Redis that does not answer is logged)."""
        from redis.exceptions import RedisError

        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            self._degrade(exc)
            return
        log.info("rate limit shared by every gateway replica through Redis at %s: %d per "
                 "%.0f s per sender", self.address, self.limit, self.window)

    async def check(self, key: str) -> bool:
        from redis.exceptions import RedisError

        if self._degraded and time.monotonic() < self._degraded_until:
            return self.fallback.allow(key)
        try:
            allowed = await self._script(
                keys=[self.key(key)],
                args=[self.limit, int(self.window * 1_000_000), uuid.uuid4().hex])
        except (RedisError, OSError) as exc:
            self._degrade(exc)
            return self.fallback.allow(key)
        if self._degraded:
            self._degraded = False
            # At the warning's level, so whoever saw the fallback sees it end.
            log.warning("rate limit: Redis at %s answers again; the limit is shared by every "
                        "gateway replica again", self.address)
        return bool(allowed)

    def _degrade(self, exc: BaseException) -> None:
        self._degraded_until = time.monotonic() + self.retry_seconds
        if self._degraded:
            return
        self._degraded = True
        log.warning("rate limit: Redis at %s unreachable (%s); each gateway process now counts "
                    "in its own memory, so the limit holds per replica until Redis answers "
                    "(tried again every %.0f s)", self.address, type(exc).__name__,
                    self.retry_seconds)

    async def close(self) -> None:
        await self._client.aclose()


def make_rate_limiter(settings: GatewaySettings) -> RateLimiter | RedisRateLimiter:
    """The gateway's limit: shared through Redis when `REDIS_URL` is set, else per process."""
    limit = settings.gateway_rate_limit_per_minute
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url, limit, prefix=settings.gateway_redis_prefix)
    return RateLimiter(limit)
