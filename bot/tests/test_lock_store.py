"""The shared lock store: one conversation served by one replica at a time across two stores on
one Redis (threads racing, as two Rasa processes would), and the logged per-process fallback
while a Redis server of the test's own is stopped, back to Redis once it answers."""

import asyncio
import logging
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from helpline_nlu import lock_store
from helpline_nlu.lock_store import SharedLockStore

pytestmark = pytest.mark.redis


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_store(port, prefix):
    return SharedLockStore(EndpointConfig(url="127.0.0.1", type="x", port=port, db=0,
                                          key_prefix=prefix))


def start_redis(port, tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return proc
        except redis.RedisError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis did not start"
            time.sleep(0.05)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    proc = start_redis(port, tmp_path)
    yield port
    proc.terminate()
    proc.wait(10)


def serve_turns(store, conversation, turns, inside, overlaps, served):
    """`turns` turns of one conversation in this thread's own event loop."""

    async def turn():
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.001):
            if inside:
                overlaps.append(1)
            inside.append(1)
            await asyncio.sleep(0.002)
            inside.pop()
            served.append(1)

    async def run():
        for _ in range(turns):
            await turn()

    asyncio.run(run())


def test_two_replicas_never_serve_one_conversation_at_once(server):
    prefix = "locktest" + uuid.uuid4().hex[:8]
    stores = [make_store(server, prefix) for _ in range(4)]
    inside, overlaps, served = [], [], []
    threads = [threading.Thread(target=serve_turns,
                                args=(s, "conversation-1", 40, inside, overlaps, served))
               for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(served) == 160
    assert overlaps == []
    # Nothing left behind once every turn is done.
    assert redis.Redis(port=server).keys(f"{prefix}:*") == []
    assert all(s.shared for s in stores)


def test_redis_down_locks_per_process_logged_then_shared_again(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(lock_store, "RETRY_SECONDS", 0.2)
    port = free_port()
    proc = start_redis(port, tmp_path)
    store = make_store(port, "locktest" + uuid.uuid4().hex[:8])
    caplog.set_level(logging.INFO, logger="helpline_nlu.lock_store")

    async def one_turn():
        async with store.lock("conversation-2", lock_lifetime=30):
            return True

    assert asyncio.run(one_turn()) and store.shared
    proc.terminate()
    proc.wait(10)
    started = time.monotonic()
    assert asyncio.run(one_turn()) and asyncio.run(one_turn())
    assert time.monotonic() - started < 5  # a stopped server costs a short timeout, no more
    assert not store.shared
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "per Rasa process" in warnings[0].getMessage()

    proc = start_redis(port, tmp_path)
    try:
        time.sleep(0.3)
        assert asyncio.run(one_turn())
        assert store.shared
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        proc.terminate()
        proc.wait(10)
