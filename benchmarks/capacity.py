"""Capacity per core: CPU time per conversation turn, throughput at saturation, p95 under load.

    python -m benchmarks.capacity [--rounds 2] [--levels 2,4,8,16,32] [--stores postgresql]

One run starts the whole helpline (rasa, actions, gateway; `devstack.supervisor.Stack`) and,
beside it, the bare Rasa bot of `benchmarks.turn_latency` (the same NLU, fixed responses, no
action server), both on the same kind of stores: with `--stores postgresql` (the default when a
server answers on 127.0.0.1:5432) each store is a PostgreSQL database of the run's own
(knowledge base, helpline tracker, gateway, bare tracker; dropped afterwards) and Rasa's lock
store is a Redis server the run starts on a free loopback port, so Redis's command counters and
CPU are this run's alone; `--stores sqlite` uses SQLite files and in-memory locks. The load is
the development conversation set (`benchmarks/conversations/development/`, five languages,
danger messages included), every conversation under a fresh sender id.

1. **CPU-ms per turn.** utime + stime of each process and of its children (live ones and those
   it reaped) from Linux's /proc, before and after a fixed load, summed over rasa, actions and
   gateway for the helpline (turns sent through the gateway's web chat) and over the bare Rasa
   server (turns sent to its REST channel). The two bots take turns round by round, so load
   from elsewhere on the machine falls on both alike, and CPU time, unlike wall time, is not
   stretched by it. With PostgreSQL and Redis: rows written, transactions, Redis commands and
   the CPU of the run's PostgreSQL backends and Redis server, per turn. Background work (the
   gateway's outbox loop, the action server's refreshes) is measured in an idle window first
   and shown as CPU-ms per second.
2. **Saturation.** Closed-loop load through the gateway at rising concurrency, each level for a
   fixed time: turns per second, p95, CPU-ms per turn and each process's share of a core (a
   process near 100 % is single-threaded and the bottleneck). On the single stack above, then
   on `devstack.replicas.ReplicaStack` with one and with two replicas of every tier on this
   machine (PostgreSQL only; the load alternates between the gateways turn by turn; the table
   says so when there is no replica stack to start).
3. **p95 under 20 concurrent conversations**, through the gateway and straight to Rasa's REST
   channel, alternating round by round in the same run.

Figures, not assertions (budget of the design: helpline CPU-ms per turn <= 1.3 x the bare
bot's). `--json PATH` writes every figure. Percentiles are `benchmarks.measure.percentile`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks import turn_latency
from benchmarks.gateway_overhead import Sample
from benchmarks.measure import percentile
from devstack.replicas import POSTGRES_SERVER, create_database, drop_database
from devstack.servers import PrivateRedis
from devstack.supervisor import Child, Stack, free_port, isolated_settings, write_endpoints

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
#: A PostgreSQL 15 backend flushes its statistics when it goes idle, at most once a second,
#: else within 10 s (PGSTAT_IDLE_INTERVAL); counters are read this long after the load stops.
STATS_FLUSH_SECONDS = 11.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1
SECRET = "capacity-benchmark-0123456789abcdef0123"


# --- CPU time from /proc -------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """Live children of every thread of `pid`."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _ticks(pid: int) -> int | None:
    """utime + stime + cutime + cstime of one process (its own threads and the children it
    has waited for), in clock ticks; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    return sum(int(value) for value in fields[11:15])  # 14th-17th


def cpu_ms(pid: int, children: bool = True) -> float | None:
    """CPU time (user + system) of a process and, with `children`, of all its live
    descendants and of those it reaped, in milliseconds; None when the process is gone."""
    own = _ticks(pid)
    if own is None:
        return None
    total, pending = own, _children(pid) if children else []
    while pending:
        child = pending.pop()
        total += _ticks(child) or 0
        pending += _children(child)
    return total * 1000 / CLK_TCK


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_ms(pid) or 0.0 for name, pid in pids.items()}


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before.get(key, 0.0) for key in after}


def machine_ms() -> tuple[float, float]:
    """CPU time the whole machine has been busy (user, nice, system, interrupts) and stolen by
    the hypervisor, summed over its CPUs, in milliseconds (the first line of /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return ((user + nice + system + irq + softirq) * 1000 / CLK_TCK, steal * 1000 / CLK_TCK)


def _self_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


# --- the stores ----------------------------------------------------------------------------

PG_COUNTERS = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted",
               "tup_fetched")


class Postgres:
    """This run's databases on the PostgreSQL at 127.0.0.1:5432, their counters from
    `pg_stat_database` and the CPU of their backends (by pid from `pg_stat_activity`)."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        tag = uuid.uuid4().hex[:8]
        self.names = {role: f"capbench_{tag}_{role}" for role in roles}
        self._backend_cpu: dict[int, tuple[str, float]] = {}

    @staticmethod
    def available() -> bool:
        try:
            import psycopg

            psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                            connect_timeout=2).close()
            return True
        except Exception:
            return False

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                               autocommit=True)

    def url(self, role: str) -> str:
        return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.names[role]}"

    def create(self) -> None:
        for name in self.names.values():
            create_database(POSTGRES_SERVER, name)

    def drop(self) -> None:
        for name in self.names.values():
            drop_database(POSTGRES_SERVER, name)

    def connections(self) -> dict[str, int]:
        """Backends connected to each of this run's databases right now."""
        by_name = {name: role for role, name in self.names.items()}
        with self._admin() as conn:
            rows = conn.execute("SELECT datname, count(*) FROM pg_stat_activity "
                                "WHERE datname = ANY(%s) GROUP BY datname",
                                [list(by_name)]).fetchall()
        return {by_name[name]: int(count) for name, count in rows}

    def relation(self, role: str, table: str) -> dict[str, float]:
        """Rows of `table` in `role`'s database and its size on disk with indexes and TOAST."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER,
                             dbname=self.names[role], autocommit=True) as conn:
            rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier(table))).fetchone()
            size = conn.execute("SELECT pg_total_relation_size(%s)", [table]).fetchone()
        assert rows is not None and size is not None
        return {"rows": float(rows[0]), "bytes": float(size[0])}

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Per role: the counters of `PG_COUNTERS` and `backend_cpu_ms`, the CPU time of every
        backend seen so far on that database (a backend's last reading once it has gone)."""
        by_name = {name: role for role, name in self.names.items()}
        out: dict[str, dict[str, float]] = {role: {} for role in self.names}
        with self._admin() as conn:
            rows = conn.execute(
                f"SELECT datname, {', '.join(PG_COUNTERS)} FROM pg_stat_database "
                "WHERE datname = ANY(%s)", [list(by_name)]).fetchall()
            for datname, *values in rows:
                out[by_name[datname]] = dict(zip(PG_COUNTERS, map(float, values), strict=True))
            backends = conn.execute("SELECT pid, datname FROM pg_stat_activity "
                                    "WHERE datname = ANY(%s)", [list(by_name)]).fetchall()
        for pid, datname in backends:
            ms = cpu_ms(pid, children=False)
            if ms is not None:
                self._backend_cpu[pid] = (by_name[datname], ms)
        for role in out:
            out[role]["backend_cpu_ms"] = sum(ms for r, ms in self._backend_cpu.values()
                                              if r == role)
        return out


def redis_counters(server: PrivateRedis) -> dict[str, float]:
    """Calls per command (`cmd_<name>`), all commands (`commands`), the server's CPU time."""
    import redis

    client = redis.Redis.from_url(server.url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    out = {f"cmd_{key.removeprefix('cmdstat_')}": float(value["calls"])
           for key, value in stats.items() if key != "cmdstat_info"}
    out["commands"] = sum(out.values())
    assert server.process is not None
    out["cpu_ms"] = cpu_ms(server.process.pid) or 0.0
    return out


# --- the two bots --------------------------------------------------------------------------

@dataclass
class Stores:
    """Where this run keeps its state: URLs per store, or SQLite files in `var`."""

    kind: str
    var: Path
    pg: Postgres | None = None
    redis: PrivateRedis | None = None

    def url(self, role: str) -> str:
        if self.pg is not None:
            return self.pg.url(role)
        return f"sqlite:///{self.var / (role + '.db')}"

    @property
    def redis_url(self) -> str | None:
        return self.redis.url if self.redis else None


def helpline_stack(model: Path, stores: Stores) -> Stack:
    """The helpline's three processes on `stores`, the rate limit out of the way of the load."""
    from knowledge.setup import prepare

    var = stores.var / "helpline"
    var.mkdir()
    settings = isolated_settings(
        var, SECRET, database_url=stores.url("kb"), tracker_store_url=stores.url("tracker"),
        gateway_database_url=stores.url("gateway"), redis_url=stores.redis_url,
        gateway_rate_limit_per_minute=1_000_000, gateway_redis_prefix="capbench")
    prepare(settings.database_url)
    stack = Stack(settings, model, var_dir=var, restart=False)
    stack.start(timeout=400)
    return stack


def bare_rasa(model: Path, stores: Stores, port: int) -> Child:
    """The bare bot on the same kinds of tracker and lock store as the helpline's Rasa."""
    var = stores.var / "bare"
    var.mkdir()
    settings = isolated_settings(var, SECRET, tracker_store_url=stores.url("bare"),
                                 redis_url=stores.redis_url)
    endpoints = write_endpoints(settings, var / "endpoints.yml")
    rendered = yaml.safe_load(endpoints.read_text())
    rendered.pop("action_endpoint", None)
    if "lock_store" in rendered:
        rendered["lock_store"]["key_prefix"] = "bare"
    endpoints.write_text(yaml.safe_dump(rendered, sort_keys=False))
    return turn_latency.serve_bare(model, endpoints, port, var / "bare-rasa.log", 240)


# --- load ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Where a turn goes: Rasa's REST channel (`rest`) or the gateway's web chat (`webchat`)."""

    mode: str
    url: str


def conversations() -> list[list[str]]:
    """The user turns of every development conversation."""
    from benchmarks.conversations.evaluate import development_set

    return [[turn.user for turn in c.turns] for c in development_set()]


async def _say(client: httpx.AsyncClient, target: Target, sender: str, text: str) -> bool:
    try:
        if target.mode == "rest":
            response = await client.post(target.url + "/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text})
            return response.status_code == 200 and bool(response.json())
        response = await client.post(target.url + "/webchat/message",
                                     json={"session": sender, "message": text})
        return response.status_code == 200 and response.json().get("status") == "answered"
    except (httpx.HTTPError, ValueError):
        return False


async def _drive(targets: list[Target], load: list[list[str]], concurrency: int, tag: str,
                 sample: Sample, duration: float | None) -> None:
    """`concurrency` conversations at a time, each turn after the previous answer. Without a
    `duration`, every conversation of `load` once; with one, conversations from `load` over
    and over (fresh sender ids) until it has passed. Consecutive turns of one conversation
    go to consecutive targets (replicas)."""
    limits = httpx.Limits(max_connections=concurrency * 2,
                          max_keepalive_connections=concurrency * 2)
    started = time.perf_counter()
    deadline = started + duration if duration is not None else None
    issued = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal issued
        while True:
            if deadline is None and issued >= len(load):
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            number = issued
            issued += 1
            sender = f"cap{tag}{number:06d}"
            for index, text in enumerate(load[number % len(load)]):
                if deadline is not None and time.perf_counter() >= deadline:
                    return
                target = targets[(number + index) % len(targets)]
                begun = time.perf_counter()
                if await _say(client, target, sender, text):
                    sample.latencies.append(time.perf_counter() - begun)
                else:
                    sample.failures += 1

    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    sample.wall += time.perf_counter() - started


def drive(targets: list[Target], load: list[list[str]], concurrency: int,
          duration: float | None = None) -> Sample:
    sample = Sample()
    asyncio.run(_drive(targets, load, concurrency, secrets.token_hex(4), sample, duration))
    return sample


# --- the three measurements ----------------------------------------------------------------

@dataclass
class Meter:
    """Everything read before and after a stretch of load."""

    pids: dict[str, dict[str, int]]  # bot -> process -> pid
    stores: Stores
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    redis: dict[str, float] = field(default_factory=dict)
    clock: float = 0.0
    own: float = 0.0
    machine: tuple[float, float] = (0.0, 0.0)

    def read(self) -> Meter:
        snap = Meter(self.pids, self.stores)
        snap.cpu = {bot: cpu_snapshot(pids) for bot, pids in self.pids.items()}
        snap.redis = redis_counters(self.stores.redis) if self.stores.redis else {}
        snap.clock, snap.own, snap.machine = time.monotonic(), _self_cpu_ms(), machine_ms()
        return snap

    def since(self, before: Meter) -> dict[str, Any]:
        return {
            "seconds": self.clock - before.clock,
            "load_generator_cpu_ms": self.own - before.own,
            "machine_busy_ms": self.machine[0] - before.machine[0],
            "machine_steal_ms": self.machine[1] - before.machine[1],
            "cpu_ms": {bot: _delta(self.cpu[bot], before.cpu[bot]) for bot in self.cpu},
            "redis": _delta(self.redis, before.redis),
        }


def _add(total: dict[str, float], part: dict[str, float]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0.0) + value


def cpu_per_turn(meter: Meter, targets: dict[str, list[Target]], load: list[list[str]],
                 rounds: int, concurrency: int) -> dict[str, Any]:
    """The fixed load, bot after bot per round; CPU and Redis per bot, PostgreSQL counters
    (each bot has its own databases) around the whole phase once their statistics are in."""
    pg = meter.stores.pg
    time.sleep(STATS_FLUSH_SECONDS)  # the warm-up's statistics
    pg_before = pg.snapshot() if pg else {}
    idle_start = meter.read()
    time.sleep(STATS_FLUSH_SECONDS)
    idle = meter.read().since(idle_start)
    pg_idle = _pg_delta(pg.snapshot(), pg_before) if pg else {}
    pg_before = pg.snapshot() if pg else {}
    result: dict[str, Any] = {"idle": idle, "pg_idle": pg_idle, "bots": {}}
    for bot in targets:
        result["bots"][bot] = {"turns": 0, "failures": 0, "cpu_ms": {}, "redis": {},
                               "load_generator_cpu_ms": 0.0, "seconds": 0.0,
                               "machine_busy_ms": 0.0, "machine_steal_ms": 0.0}
    phase_start = time.monotonic()
    for _ in range(rounds):
        for bot, bot_targets in targets.items():
            before = meter.read()
            sample = drive(bot_targets, load, concurrency)
            spent = meter.read().since(before)
            entry = result["bots"][bot]
            entry["turns"] += len(sample.latencies)
            entry["failures"] += sample.failures
            _add(entry["cpu_ms"], spent["cpu_ms"][bot])
            _add(entry["redis"], spent["redis"])
            for key in ("load_generator_cpu_ms", "seconds", "machine_busy_ms",
                        "machine_steal_ms"):
                entry[key] += spent[key]
    result["phase_seconds"] = time.monotonic() - phase_start
    if pg:
        time.sleep(STATS_FLUSH_SECONDS)
        result["pg"] = _pg_delta(pg.snapshot(), pg_before)
        result["pg_seconds"] = result["phase_seconds"] + STATS_FLUSH_SECONDS
        result["events"] = {role: pg.relation(role, "events") for role in ("tracker", "bare")}
    return result


def _pg_delta(after: dict[str, dict[str, float]], before: dict[str, dict[str, float]]
              ) -> dict[str, dict[str, float]]:
    return {role: _delta(after[role], before.get(role, {})) for role in after}


def saturation(meter: Meter, bot: str, targets: list[Target], load: list[list[str]],
               levels: list[int], duration: float, own: bool = True) -> list[dict[str, Any]]:
    """Closed-loop load at each concurrency for `duration` seconds; with `own` (the stack
    uses this run's databases) the PostgreSQL connections it holds after each level."""
    rows = []
    for level in levels:
        before = meter.read()
        sample = drive(targets, load, level, duration)
        spent = meter.read().since(before)
        cpu = spent["cpu_ms"][bot]
        rows.append({
            "concurrency": level, "turns": len(sample.latencies), "failures": sample.failures,
            "turns_per_s": len(sample.latencies) / sample.wall if sample.wall else 0.0,
            "p50_ms": percentile(sample.latencies, 50) * 1000,
            "p95_ms": percentile(sample.latencies, 95) * 1000,
            "core_share": {name: ms / (spent["seconds"] * 1000) for name, ms in cpu.items()},
            "cpu_ms_per_turn": sum(cpu.values()) / max(1, len(sample.latencies)),
            "load_generator_core_share": spent["load_generator_cpu_ms"]
            / (spent["seconds"] * 1000),
            "machine_busy": spent["machine_busy_ms"] / (spent["seconds"] * 1000 * CPUS),
            "connections": meter.stores.pg.connections() if meter.stores.pg and own else {},
        })
    return rows


def p95_under_load(targets: dict[str, list[Target]], load: list[list[str]], rounds: int,
                   concurrency: int) -> dict[str, dict[str, float]]:
    """Every conversation of `load`, `concurrency` at a time, path after path per round."""
    samples = {path: Sample() for path in targets}
    for _ in range(rounds):
        for path, path_targets in targets.items():
            part = drive(path_targets, load, concurrency)
            samples[path].latencies += part.latencies
            samples[path].failures += part.failures
            samples[path].wall += part.wall
    return {path: sample.summary() for path, sample in samples.items()}


# --- the run -------------------------------------------------------------------------------

@contextlib.contextmanager
def _stores(kind: str, tmp: Path) -> Iterator[Stores]:
    stores = Stores(kind, tmp)
    if kind == "postgresql":
        stores.pg = Postgres(("kb", "tracker", "gateway", "bare"))
        stores.pg.create()
        if PrivateRedis.available():
            stores.redis = PrivateRedis(tmp / "redis")
            stores.redis.start()
    try:
        yield stores
    finally:
        if stores.redis:
            stores.redis.stop()
        if stores.pg:
            stores.pg.drop()


def run(model: Path, stores_kind: str = "postgresql", rounds: int = 2, concurrency: int = 4,
        levels: tuple[int, ...] = (4, 8, 16, 32), duration: float = 15.0,
        p95_concurrency: int = 20, replica_sets: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    """Start both bots, measure, stop them; print the tables and return every figure."""
    load = conversations()
    results: dict[str, Any] = {"stores": stores_kind, "conversations": len(load),
                               "turns_per_pass": sum(map(len, load)), "rounds": rounds,
                               "duration": duration}
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as tmp_name:
        tmp = Path(tmp_name)
        bare_model = turn_latency.bare_project(tmp / "bare-project")
        with _stores(stores_kind, tmp) as stores:
            results["redis"] = stores.redis is not None
            stack = helpline_stack(model, stores)
            bare: Child | None = None
            try:
                bare_port = free_port()
                bare = bare_rasa(bare_model, stores, bare_port)
                assert bare.proc is not None
                settings = stack.settings
                rasa = Target("rest", settings.rasa_url)
                gateway = Target("webchat", f"http://127.0.0.1:{settings.gateway_port}")
                bare_target = Target("rest", f"http://127.0.0.1:{bare_port}")
                pids = {"helpline": stack.pids(), "bare": {"rasa": bare.proc.pid}}
                meter = Meter(pids, stores)
                for target in (bare_target, rasa, gateway):  # warm-up, not measured
                    drive([target], load[:4], 4)
                results["cpu"] = cpu_per_turn(
                    meter, {"bare": [bare_target], "helpline": [gateway]}, load, rounds,
                    concurrency)
                results["p95"] = p95_under_load({"direct": [rasa], "gateway": [gateway]},
                                                load, rounds, p95_concurrency)
                bare.stop()  # saturation has the machine to the helpline alone
                results["saturation"] = {"stack": saturation(
                    meter, "helpline", [gateway], load, list(levels), duration)}
                results["p95_concurrency"] = p95_concurrency
            finally:
                if bare is not None:
                    bare.stop()
                    bare.close()
                stack.stop()
            results["replica_sets"] = {}
            for count in replica_sets:
                results["replica_sets"][count] = saturation_on_replicas(
                    model, stores, count, load, levels, duration)
    report(results)
    return results


def saturation_on_replicas(model: Path, stores: Stores, replicas: int, load: list[list[str]],
                           levels: tuple[int, ...], duration: float) -> dict[str, Any]:
    """Saturation on `devstack.replicas.ReplicaStack` with `replicas` of each tier (its
    round-robin proxies in front of Rasa and the action servers, run in this process); the
    load alternates between the gateways turn by turn. `rows`, or `skipped` saying why not."""
    if stores.pg is None:
        return {"skipped": "the replica stack needs PostgreSQL (--stores postgresql)"}
    from devstack.replicas import temporary_replica_stack

    var = stores.var / f"replicas-{replicas}"
    var.mkdir()
    base = isolated_settings(var, SECRET, gateway_rate_limit_per_minute=1_000_000)
    options: dict[str, Any] = {"redis_url": stores.redis_url} if stores.redis_url else {}
    with temporary_replica_stack(model, base, var, replicas=replicas, timeout=400,
                                 **options) as stack:
        gateways = [Target("webchat", url) for url in stack.replica_urls("gateway")]
        meter = Meter({"helpline": stack.pids()}, stores)
        drive(gateways, load[:4], 4)  # warm-up, not measured
        return {"rows": saturation(meter, "helpline", gateways, load, list(levels),
                                   duration, own=False)}


# --- tables --------------------------------------------------------------------------------

def _per_turn(total: float, turns: int) -> float:
    return total / turns if turns else float("nan")


def report(r: dict[str, Any]) -> None:
    cpu = r["cpu"]
    bots, idle = cpu["bots"], cpu["idle"]
    print(f"\nCPU per conversation turn ({r['conversations']} development conversations, "
          f"{r['turns_per_pass']} turns, x {r['rounds']} rounds; stores: {r['stores']}"
          f"{' + Redis lock store' if r['redis'] else ''})")
    print(f"{'bot':<26}{'process':<10}{'turns':>7}{'failed':>8}{'CPU-ms/turn':>13}"
          f"{'idle ms/s':>11}")
    totals: dict[str, float] = {}
    for bot, label in (("helpline", "helpline (via gateway)"), ("bare", "bare Rasa")):
        entry = bots[bot]
        turns = entry["turns"]
        for name, ms in entry["cpu_ms"].items():
            idle_rate = idle["cpu_ms"][bot].get(name, 0.0) / idle["seconds"]
            print(f"{label:<26}{name:<10}{turns:>7}{entry['failures']:>8}"
                  f"{_per_turn(ms, turns):>13.1f}{idle_rate:>11.1f}")
            label = ""
        totals[bot] = _per_turn(sum(entry["cpu_ms"].values()), turns)
        print(f"{'':<26}{'all':<10}{'':>15}{totals[bot]:>13.1f}")
    ratio = totals["helpline"] / totals["bare"]
    verdict = "ok" if ratio <= 1.3 else "OVER BUDGET"
    print(f"ratio helpline / bare: {ratio:.2f} (budget <= 1.3: {verdict}); load generator "
          f"{_per_turn(bots['helpline']['load_generator_cpu_ms'], bots['helpline']['turns']):.1f}"
          " CPU-ms per helpline turn (not counted)")
    r["cpu_ms_per_turn"] = {**totals, "ratio": ratio}
    for bot in ("helpline", "bare"):
        entry = bots[bot]
        wall = entry["seconds"] * 1000 * CPUS
        ours = sum(entry["cpu_ms"].values())
        print(f"machine during the {bot} load: {entry['machine_busy_ms'] / wall:.0%} of "
              f"{CPUS} cores busy, {ours / wall:.0%} of them the measured processes, "
              f"steal {entry['machine_steal_ms'] / wall:.0%} (the rest: load generator, "
              "PostgreSQL, Redis, anything else running)")
    if "pg" in cpu:
        _store_table(r)
    _saturation_table(r)
    p95 = r["p95"]
    print(f"\nLatency under {r['p95_concurrency']} concurrent conversations "
          f"(helpline, {r['rounds']} rounds each, alternating)")
    print(f"{'path':<22}{'turns':>7}{'failed':>8}{'turns/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for path, label in (("direct", "direct to Rasa REST"), ("gateway", "through the gateway")):
        s = p95[path]
        print(f"{label:<22}{s['turns']:>7.0f}{s['failures']:>8.0f}{s['throughput']:>10.1f}"
              f"{s['p50_ms']:>10.1f}{s['p95_ms']:>10.1f}")
    print(f"gateway adds p95 {p95['gateway']['p95_ms'] - p95['direct']['p95_ms']:+.1f} ms")


def _store_table(r: dict[str, Any]) -> None:
    cpu = r["cpu"]
    turns = {"helpline": cpu["bots"]["helpline"]["turns"], "bare": cpu["bots"]["bare"]["turns"]}
    seconds = cpu["pg_seconds"]
    print("\nStore work per turn (PostgreSQL: pg_stat_database of the run's databases; "
          "background included, idle rate beside it)")
    print(f"{'database':<22}{'commits':>9}{'rows ins':>10}{'rows upd':>10}{'rows del':>10}"
          f"{'rows read':>11}{'backend ms':>12}{'idle tx/s':>11}")
    for role, label, bot in (("tracker", "helpline tracker", "helpline"),
                             ("gateway", "gateway store", "helpline"),
                             ("kb", "knowledge + hand-off", "helpline"),
                             ("bare", "bare tracker", "bare")):
        d, idle = cpu["pg"][role], cpu["pg_idle"].get(role, {})
        n = turns[bot]
        idle_tx = (idle.get("xact_commit", 0.0) + idle.get("xact_rollback", 0.0)) \
            / STATS_FLUSH_SECONDS
        print(f"{label:<22}{_per_turn(d['xact_commit'], n):>9.2f}"
              f"{_per_turn(d['tup_inserted'], n):>10.2f}{_per_turn(d['tup_updated'], n):>10.2f}"
              f"{_per_turn(d['tup_deleted'], n):>10.2f}{_per_turn(d['tup_fetched'], n):>11.1f}"
              f"{_per_turn(d['backend_cpu_ms'], n):>12.2f}{idle_tx:>11.2f}")
    print(f"(over {seconds:.0f} s; a turn of the helpline is counted once, through the gateway)")
    for role, label in (("tracker", "helpline"), ("bare", "bare")):
        e = cpu["events"][role]
        per_row = e["bytes"] / e["rows"] if e["rows"] else float("nan")
        ins = cpu["pg"][role]["tup_inserted"] / turns["helpline" if role == "tracker" else role]
        print(f"{label} tracker: {e['rows']:.0f} events, {per_row:.0f} bytes each on disk "
              f"(table, indexes, TOAST), so {ins * per_row / 1024:.1f} KiB per turn")
    redis = cpu["bots"]["helpline"]["redis"]
    if redis:
        print("\nRedis per turn (the run's own server)")
        print(f"{'bot':<12}{'commands':>10}{'server CPU-ms':>15}  by command")
        for bot in ("helpline", "bare"):
            d, n = cpu["bots"][bot]["redis"], turns[bot]
            by = ", ".join(f"{k.removeprefix('cmd_')} {_per_turn(v, n):.2f}"
                           for k, v in sorted(d.items()) if k.startswith("cmd_") and v)
            print(f"{bot:<12}{_per_turn(d['commands'], n):>10.2f}"
                  f"{_per_turn(d['cpu_ms'], n):>15.3f}  {by}")


def _saturation_table(r: dict[str, Any]) -> None:
    print("\nSaturation through the gateway (closed loop, each level "
          f"{r['duration']:.0f} s; machine: share of all {CPUS} cores busy; "
          "core share: a process's CPU as a share of one core)")
    print(f"{'setup':<22}{'conc.':>6}{'turns/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}"
          f"{'CPU-ms/turn':>13}{'machine':>9}  core share")
    setups: list[tuple[str, dict[str, Any]]] = [("1 set (Stack)",
                                                 {"rows": r["saturation"]["stack"]})]
    for count, outcome in r["replica_sets"].items():
        setups.append((f"{count} set{'s' if int(count) > 1 else ''} (ReplicaStack)", outcome))
    peaks: dict[str, float | None] = {}
    for label, outcome in setups:
        if "rows" not in outcome:
            print(f"{label:<22}{'-':>6}{'-':>9}  not measured: {outcome['skipped']}")
            peaks[label] = None
            continue
        peaks[label] = max(row["turns_per_s"] for row in outcome["rows"])
        for index, row in enumerate(outcome["rows"]):
            share = ", ".join(f"{k} {v:.0%}" for k, v in row["core_share"].items())
            print(f"{label if index == 0 else '':<22}{row['concurrency']:>6}"
                  f"{row['turns_per_s']:>9.1f}{row['p50_ms']:>9.0f}{row['p95_ms']:>9.0f}"
                  f"{row['failures']:>8}{row['cpu_ms_per_turn']:>13.1f}"
                  f"{row['machine_busy']:>9.0%}  {share}; "
                  f"this process {row['load_generator_core_share']:.0%}")
    r["saturation_peaks"] = peaks
    held = r["saturation"]["stack"][-1]["connections"]
    if held:
        print("PostgreSQL connections the single stack held after its top level: "
              + ", ".join(f"{role} {count}" for role, count in sorted(held.items())))
    print("peak turns/s: " + "; ".join(
        f"{label} {'-' if peak is None else f'{peak:.1f}'}" for label, peak in peaks.items()))
    if r["replica_sets"]:
        print("(ReplicaStack: Rasa and the action servers behind round-robin proxies that run in "
              "this process, so 'this process' is the load generator and those proxies)")


def main(argv: list[str] | None = None, model: Path | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.capacity",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None,
                                     epilog="Section `capacity` of `make bench`.")
    parser.add_argument("--stores", choices=("postgresql", "sqlite"),
                        help="default: postgresql when a server answers on 127.0.0.1:5432")
    parser.add_argument("--rounds", type=int, default=2,
                        help="passes of the development set per bot (CPU and p95 phases)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="concurrent conversations while CPU time is measured")
    parser.add_argument("--levels", default="4,8,16,32",
                        help="concurrency levels of the saturation phase")
    parser.add_argument("--duration", type=float, default=15.0,
                        help="seconds per saturation level")
    parser.add_argument("--p95-concurrency", type=int, default=20)
    parser.add_argument("--replica-sets", default="1,2",
                        help="replica counts measured on devstack.replicas' stack at "
                             "saturation too (empty: none)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    kind = args.stores or ("postgresql" if Postgres.available() else "sqlite")
    if model is None:
        from devstack.training import model_path, train

        model = model_path()
        if not model.exists():
            model = train()
    results = run(model, kind, args.rounds, args.concurrency,
                  tuple(int(x) for x in args.levels.split(",")), args.duration,
                  args.p95_concurrency,
                  tuple(int(x) for x in args.replica_sets.split(",") if x.strip()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
    sys.exit(0)
