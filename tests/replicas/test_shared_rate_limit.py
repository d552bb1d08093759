"""The per-sender rate limit shared through Redis (`channels.ratelimit`): one window for every
gateway replica, decided atomically in Redis, and a clearly logged per-process fallback while
Redis cannot be reached (a Redis server of the test's own, stopped and started again)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from channels.app import create_app
from channels.ratelimit import RateLimiter, RedisRateLimiter, make_rate_limiter
from devstack.servers import PrivateRedis
from tests.auxil.networking import ServedApp
from tests.auxil.settings import make_settings

pytestmark = pytest.mark.redis

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"helplinetest{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


async def test_two_replicas_share_one_window_atomically(prefix: str) -> None:
    first = RedisRateLimiter(REDIS_URL, 5, 60.0, prefix=prefix)
    second = RedisRateLimiter(REDIS_URL, 5, 60.0, prefix=prefix)
    try:
        results = await asyncio.gather(*(
            (first if i % 2 else second).check("sender-a") for i in range(40)))
        assert sum(results) == 5
        assert await first.check("sender-b") and await second.check("sender-b")
        ttl = redis.Redis.from_url(REDIS_URL).pttl(first.key("sender-a"))
        assert 0 < ttl <= 60_000  # the window's hits expire with it
        assert first.shared and second.shared
    finally:
        await first.close()
        await second.close()


async def test_the_window_slides(prefix: str) -> None:
    limiter = RedisRateLimiter(REDIS_URL, 2, 0.5, prefix=prefix)
    other = RedisRateLimiter(REDIS_URL, 2, 0.5, prefix=prefix)
    try:
        assert await limiter.check("s") and await other.check("s")
        assert not await limiter.check("s") and not await other.check("s")
        await asyncio.sleep(0.6)
        assert await other.check("s")
    finally:
        await limiter.close()
        await other.close()


def test_without_redis_url_the_limit_is_per_process(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", redis_url=None)
    assert isinstance(make_rate_limiter(settings), RateLimiter)
    shared = make_settings(tmp_path, "http://127.0.0.1:9", redis_url=REDIS_URL,
                           gateway_redis_prefix="p1")
    limiter = make_rate_limiter(shared)
    assert isinstance(limiter, RedisRateLimiter) and limiter.prefix == "p1"


async def test_redis_down_falls_back_per_process_logged_then_recovers(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="channels.ratelimit")
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    port = server.port
    limiter = RedisRateLimiter(server.url, 2, 60.0, prefix="t", retry_seconds=0.3)
    try:
        await limiter.open()
        assert "shared by every gateway replica through Redis at 127.0.0.1" in caplog.text
        assert await limiter.check("s")
        server.stop()
        started = time.monotonic()
        # The limit still holds, counted in this process: the hit Redis saw is not known here.
        assert [await limiter.check("s") for _ in range(3)] == [True, True, False]
        assert time.monotonic() - started < 3, "a Redis that is down must not hold messages"
        assert not limiter.shared
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "unreachable" in warnings[0].getMessage()
        assert "own memory" in warnings[0].getMessage()
        server.start()  # on the same port
        await asyncio.sleep(0.4)
        assert await limiter.check("s")  # Redis again: its window, emptied by the restart
        assert limiter.shared
        assert "answers again" in caplog.text
        assert "127.0.0.1:" + str(port) in caplog.text and "redis://" not in caplog.text
    finally:
        await limiter.close()
        server.stop()


def test_two_gateways_hold_one_limit_per_sender(tmp_path: Path, fake_rasa, prefix: str) -> None:
    rasa, served = fake_rasa
    apps = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        apps.append(ServedApp(create_app(make_settings(
            folder, served.url, gateway_rate_limit_per_minute=3, redis_url=REDIS_URL,
            gateway_redis_prefix=prefix))))
    with apps[0], apps[1]:
        codes = []
        for i in range(5):
            response = httpx.post(apps[i % 2].url + "/webchat/message", timeout=20,
                                  json={"session": "s0123456789abcdef", "message": f"m{i}"})
            codes.append(response.status_code)
        assert codes == [200, 200, 200, 429, 429]
    assert rasa.texts() == ["m0", "m1", "m2"]
