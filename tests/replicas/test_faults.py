"""Store faults under load, on the replica stack (`devstack.replicas`, two replicas of every
tier) over a PostgreSQL cluster and a Redis server of this module's own (`devstack.servers`,
loopback, free ports), so stopping them touches nothing else on the machine.

Held here, under 20 concurrent conversations of three messages each, counting messages in and
answers out: PostgreSQL stopped and started again → every process recovers without a restart
of its own, every message is answered, none is lost or written half; Redis stopped → Rasa's
lock store and the gateways' rate limit each say once, at WARNING, that they now work per
process, every message is still answered, and both say so again when Redis is back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.servers import PrivatePostgres, PrivateRedis
from tests.auxil.replicas import (
    Env,
    apologies,
    converse_through_fault,
    count_answers,
    replica_env,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

LINES = ["hola", "estoy en México", "¿puedo ir al médico sin papeles?"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrivatePostgres,
                                                                        PrivateRedis]]:
    if not (PrivatePostgres.available() and PrivateRedis.available()):
        pytest.skip("PostgreSQL's server binaries or redis-server are not installed")
    root = tmp_path_factory.mktemp("fault-servers")
    pg, redis = PrivatePostgres(), PrivateRedis(root / "redis")
    pg.start()
    redis.start()
    try:
        yield pg, redis
    finally:
        redis.stop()
        pg.remove()


@pytest.fixture(scope="module")
def env(servers: tuple[PrivatePostgres, PrivateRedis],
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    pg, redis = servers
    with replica_env(tmp_path_factory.mktemp("faults"), postgres=pg.server_url,
                     redis_url=redis.url) as running:
        yield running


def log_text(env: Env, name: str) -> str:
    path: Path = env.stack.child(name).log
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def logs_saying(env: Env, prefix: str, phrase: str) -> list[str]:
    """The children named `prefix-<n>` whose log holds `phrase`."""
    return [c.name for c in env.stack.children
            if c.name.startswith(prefix + "-") and phrase in log_text(env, c.name)]


def test_postgresql_restarted_under_load_loses_nothing(
        env: Env, servers: tuple[PrivatePostgres, PrivateRedis]) -> None:
    pg, _ = servers
    pids = env.stack.pids()
    chats = [930001000 + i for i in range(20)]
    down: dict[str, float] = {}

    def restart_postgres() -> None:
        began = time.monotonic()
        pg.stop("fast")  # every open connection is closed, open transactions rolled back
        time.sleep(5)
        pg.start()
        down["seconds"] = time.monotonic() - began

    count = converse_through_fault(env, chats, LINES, restart_postgres)
    assert count.messages_in == len(LINES) * len(chats), count
    count_answers(env, count, LINES, apologies())
    assert count.answers_out == count.messages_in + count.taken_twice, count
    assert count.taken_twice == 0, count  # one delivery id, one turn: nothing written twice
    # Each sender's stored conversation holds its three turns whole on PostgreSQL.
    for chat in chats:
        pseudonym = env.pseudonym("telegram", chat)
        assert env.user_texts(pseudonym, 1) == LINES
        assert env.stored_events(pseudonym) >= 2 * len(LINES)
    assert env.queued() == 0
    # Nobody was restarted: the same processes reconnected on their own.
    assert env.stack.pids() == pids
    assert all(c.restarts == 0 and c.alive() for c in env.stack.children)
    print(f"\nPostgreSQL down {down['seconds']:.1f} s under 20 conversations: "
          f"{count.summary()}")


def test_redis_down_under_load_degrades_logged_and_recovers(
        env: Env, servers: tuple[PrivatePostgres, PrivateRedis]) -> None:
    _, redis = servers
    chats = [930002000 + i for i in range(20)]
    count = converse_through_fault(env, chats, LINES, redis.stop)
    assert count.messages_in == len(LINES) * len(chats) and count.redelivered == 0, count
    count_answers(env, count, LINES, apologies())
    assert count.answers_out == count.messages_in + count.taken_twice, count
    assert count.taken_twice == 0, count
    # What each process now does, said once at WARNING in its own log.
    rasa_said = logs_saying(env, "rasa", "Redis lock store unreachable")
    gateways_said = logs_saying(env, "gateway", "counts in its own memory")
    assert rasa_said and gateways_said, (rasa_said, gateways_said)
    for name in rasa_said:
        assert log_text(env, name).count("Redis lock store unreachable") == 1
    assert all(c.restarts == 0 and c.alive() for c in env.stack.children)

    redis.start()
    time.sleep(6)  # past both retry delays (5 s)
    for n, chat in enumerate(chats[:4]):
        env.say(n % 2, chat, "gracias")
    wait_until(lambda: set(logs_saying(env, "rasa", "reachable again")) >= set(rasa_said),
               30, "Rasa's lock store back on Redis")
    wait_until(lambda: logs_saying(env, "gateway", "answers again"), 30,
               "the rate limit shared again")
    print(f"\nRedis down under 20 conversations: {count.summary()}; lock store fallback "
          f"logged by {', '.join(rasa_said)}, rate limit fallback by "
          f"{', '.join(gateways_said)}; both back on Redis")
