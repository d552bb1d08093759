"""The production shape on one machine: N replicas of Rasa, the action server and the gateway
(and the console) over one PostgreSQL and one Redis, a round-robin proxy in front of each tier.

`python -m devstack.replicas --replicas 2` (what `make run-prod-shape` runs) creates the
database when missing (`--database`, default `helpline_prod_shape`, on the PostgreSQL server at
`--postgres`, default 127.0.0.1:5432) and brings every store in it to head before any process
starts, so no two replicas race to create a table: the knowledge base (seeded) and its hand-off
queue, the gateway store and the console's tables, each with its own Alembic history; Rasa's
tracker store makes its `events` table there itself. Redis (`--redis`, default
127.0.0.1:6379/0) holds Rasa's lock store (a conversation is processed by one Rasa replica at a
time) and the gateways' shared per-sender rate limit. Delivery ids and the outbox are in the
gateway store, so a message delivered to two gateways is processed once and a sender's
messages are processed in order whichever gateway took them.

Each tier has a proxy on the port `make run` gives the single process (Rasa 5005, actions
5055, gateway 8080; the console 8000 has one replica) and its replicas on the ports just above
(5006, 5007…). The proxies run in this process: each route family (method and first path
segment, e.g. `POST webhooks`) takes the replicas in turn, so consecutive turns of one
conversation hit different replicas; a replica that refuses the connection is skipped for
`DOWN_SECONDS` and the request goes to the next one; a request a replica took and then failed
(it died mid-turn) is answered 502 and not sent twice, and the gateway's outbox retries it. The
gateways reach Rasa through its proxy, Rasa reaches the action server through its proxy, and
the console reaches the gateways through theirs.

Processes are supervised as in `devstack.supervisor` (each restarted after a backoff when it
dies, logs scrubbed into `var/prod-shape/logs/<name>-<n>.log`); secrets and channel settings
come from the environment and `.env` as for `make run`. The replica tests
(`tests/replicas/`) and the capacity benchmark start the same `ReplicaStack`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import secrets
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from devstack.supervisor import (
    Child,
    Stack,
    free_port,
    run_in_foreground,
    write_endpoints,
)
from helpline.paths import VAR_DIR
from helpline.settings import Settings

log = logging.getLogger("devstack.replicas")

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
DATABASE = "helpline_prod_shape"
TIERS = ("actions", "rasa", "gateway")
#: A replica that refused a connection gets no request for this long (then it is tried again).
DOWN_SECONDS = 2.0
#: Headers that belong to one hop, never forwarded (RFC 9110 §7.6.1), and the ones httpx sets.
HOP_HEADERS = frozenset({"connection", "keep-alive", "proxy-authenticate",
                         "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                         "host", "content-length"})


# --- the proxies -------------------------------------------------------------------------------
class RoundRobinProxy:
    """A reverse proxy over a tier's replicas, served by uvicorn in a thread of this process.

    `served` records (method, path, replica index) for each request a replica answered,
    `failovers` how often a refused connection sent a request to the next replica, `failed`
    how many requests a replica took and did not answer (answered 502)."""

    def __init__(self, name: str, upstreams: list[str], port: int, host: str = "127.0.0.1",
                 timeout: float = 120.0) -> None:
        self.name = name
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.timeout = timeout
        self.served: deque[tuple[str, str, int]] = deque(maxlen=100_000)
        self.failovers = 0
        self.failed = 0
        self._turn: dict[str, int] = {}
        self._down_until = [0.0] * len(self.upstreams)
        self._client: httpx.AsyncClient | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- routing ---------------------------------------------------------------------------------
    @staticmethod
    def family(method: str, path: str) -> str:
        """The route family a request belongs to: its method and first path segment."""
        return f"{method} {path.lstrip('/').split('/', 1)[0]}"

    def order(self, family: str) -> list[int]:
        """The replicas to try for one request: the family's next one first, those that
        refused a connection lately last."""
        count = len(self.upstreams)
        start = self._turn.get(family, 0)
        self._turn[family] = (start + 1) % count
        ring = [(start + i) % count for i in range(count)]
        now = time.monotonic()
        up = [i for i in ring if self._down_until[i] <= now]
        return up + [i for i in ring if i not in up]

    def counts(self, method: str | None = None, path_prefix: str = "") -> list[int]:
        """Requests each replica answered (optionally of one method and path prefix)."""
        totals = [0] * len(self.upstreams)
        for m, path, index in list(self.served):
            if (method is None or m == method) and path.startswith(path_prefix):
                totals[index] += 1
        return totals

    async def _handle(self, request: Request) -> Response:
        assert self._client is not None
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        target = raw_path.decode("latin-1")
        if request.url.query:
            target += "?" + request.url.query
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_HEADERS]
        if request.client:
            headers.append(("x-forwarded-for", request.client.host))
        body = await request.body()
        for index in self.order(self.family(request.method, request.url.path)):
            upstream = self._client.build_request(request.method, self.upstreams[index] + target,
                                                  headers=headers, content=body)
            try:
                response = await self._client.send(upstream, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                # Nothing was sent: the next replica can take it.
                now = time.monotonic()
                if self._down_until[index] <= now:
                    log.warning("%s proxy: replica %d refuses connections; the others take "
                                "its requests", self.name, index + 1)
                self._down_until[index] = now + DOWN_SECONDS
                self.failovers += 1
                continue
            except httpx.HTTPError as exc:
                # The replica took the request and failed (it died mid-request, or it is too
                # slow): not sent again, it may have acted on it. The caller retries.
                self.failed += 1
                log.warning("%s proxy: replica %d failed a request (%s)", self.name, index + 1,
                            type(exc).__name__)
                return JSONResponse({"error": "bad_gateway", "detail": "replica failed"}, 502)
            self.served.append((request.method, request.url.path, index))
            proxied = StreamingResponse(response.aiter_raw(), status_code=response.status_code,
                                        background=BackgroundTask(response.aclose))
            proxied.raw_headers = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in response.headers.multi_items()
                if k.lower() not in HOP_HEADERS - {"content-length"}]
            return proxied
        return JSONResponse({"error": "no_replica", "detail": f"no {self.name} replica"}, 502)

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=2.0),
                limits=httpx.Limits(max_connections=500, max_keepalive_connections=100))
            try:
                yield
            finally:
                await self._client.aclose()

        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)],
                         lifespan=lifespan)

    # --- serving ---------------------------------------------------------------------------------
    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        server = uvicorn.Server(uvicorn.Config(self.app(), log_level="warning", lifespan="on",
                                               timeout_keep_alive=30))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"proxy-{self.name}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the {self.name} proxy did not start on port {self.port}")
            time.sleep(0.01)
        sock.close()  # uvicorn holds its own duplicate
        self._server, self._thread = server, thread

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None


# --- the stores --------------------------------------------------------------------------------
def database_url(server: str, name: str) -> str:
    """The SQLAlchemy URL of database `name` on the PostgreSQL `server` URL."""
    return f"{server.rstrip('/')}/{name}"


def _admin_engine(server: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(database_url(server, "postgres"), isolation_level="AUTOCOMMIT")


def _check_name(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[:1].isalpha():
        raise ValueError(f"not a plain database name: {name!r}")
    return name


def create_database(server: str, name: str) -> bool:
    """Create database `name` unless it exists; True when it was created."""
    from sqlalchemy import text

    _check_name(name)
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).first():
                return False
            conn.execute(text(f'CREATE DATABASE "{_check_name(name)}"'))
            return True
    finally:
        engine.dispose()


def drop_database(server: str, name: str) -> None:
    """Drop database `name`, closing whatever connections are left to it."""
    from sqlalchemy import text

    _check_name(name)
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_check_name(name)}" WITH (FORCE)'))
    finally:
        engine.dispose()


def prepare_stores(settings: Settings, console_database_url: str | None) -> None:
    """Bring every store to head (and seed the knowledge base) before any replica starts, so
    no two of them run a migration at the same time."""
    from channels.store import make_store_engine
    from helpline import handoff
    from knowledge.db import make_engine
    from knowledge.setup import prepare

    prepare(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        handoff.migrate(engine)
    finally:
        engine.dispose()
    make_store_engine(settings.gateway_database_url).dispose()
    if console_database_url:
        from console.db import migrate as console_migrate

        console_migrate(console_database_url)


def clear_redis(url: str, *prefixes: str) -> int:
    """Delete every key under the given prefixes (a test run's); returns how many went."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        removed = 0
        for prefix in prefixes:
            keys = list(client.scan_iter(f"{prefix}:*", count=1000))
            if keys:
                removed += int(client.delete(*keys))
        return removed
    finally:
        client.close()


# --- the stack ---------------------------------------------------------------------------------
@dataclass
class ReplicaPorts:
    """Where each replica of each tier listens (the proxies take the settings' ports)."""

    rasa: list[int]
    actions: list[int]
    gateway: list[int]

    @classmethod
    def above(cls, settings: Settings, replicas: int) -> ReplicaPorts:
        """The ports just above each proxy's (5006, 5007… for Rasa on 5005)."""
        return cls(*([getattr(settings, f"{tier}_port") + 1 + i for i in range(replicas)]
                     for tier in ("rasa", "actions", "gateway")))

    @classmethod
    def free(cls, replicas: int) -> ReplicaPorts:
        return cls(*([free_port() for _ in range(replicas)] for _ in range(3)))

    def of(self, tier: str) -> list[int]:
        ports: list[int] = getattr(self, tier)
        return ports


def replica_settings(base: Settings, database: str, redis_url: str | None,
                     redis_prefix: str = "helpline", free: bool = False) -> Settings:
    """`base` with every store in the PostgreSQL database URL `database`, Redis at
    `redis_url`, and each tier's URL its proxy's (free loopback ports with `free`)."""
    update: dict[str, Any] = {
        "database_url": database, "tracker_store_url": database,
        "gateway_database_url": database, "redis_url": redis_url,
        "gateway_redis_prefix": redis_prefix,
    }
    if free:
        update.update(rasa_port=free_port(), actions_port=free_port(),
                      gateway_port=free_port())
    values = {**base.model_dump(), **update}
    values["rasa_url"] = f"http://127.0.0.1:{values['rasa_port']}"
    values["action_server_url"] = f"http://127.0.0.1:{values['actions_port']}/webhook"
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class ReplicaStack(Stack):
    """`replicas` Rasa servers, action servers and gateways behind one proxy per tier, and the
    console (when `console_port` is set), on the stores `settings` names (PostgreSQL and
    Redis; see `replica_settings`). Children are named `<tier>-<n>` (n from 1)."""

    replicas: int = 2
    ports: ReplicaPorts | None = None
    #: The Rasa lock store's key prefix in Redis (letters and digits only, Rasa's rule).
    lock_prefix: str = "helpline"
    #: Seconds a dead Rasa replica's lock on a conversation lasts (Rasa's default: 60).
    lock_lifetime: int | None = None
    #: How often each Rasa replica's tracker store looks for conversations past retention.
    tracker_purge_seconds: float = 3600.0
    #: The console's database (its own tables; the knowledge base's by default).
    console_database_url: str | None = None
    proxies: dict[str, RoundRobinProxy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.settings
        if not self.lock_prefix.isalnum():
            raise ValueError("the lock store's key prefix must be letters and digits")
        ports = self.ports = self.ports or ReplicaPorts.above(s, self.replicas)
        endpoints = self._endpoints(self.var_dir / "endpoints.yml")
        env = self.child_environment()
        if self.lock_lifetime is not None:
            env["TICKET_LOCK_LIFETIME"] = str(self.lock_lifetime)
        self.children = [self.process(tier, port, env, endpoints, f"{tier}-{n}")
                         for tier in TIERS for n, port in enumerate(ports.of(tier), 1)]
        if self.console_port is not None:
            self.children.append(self.console_child(
                env, CONSOLE_DATABASE_URL=self.console_database_url or s.database_url))
        self.proxies = {
            tier: RoundRobinProxy(tier, [f"http://127.0.0.1:{p}" for p in ports.of(tier)],
                                  getattr(s, f"{tier}_port"))
            for tier in TIERS}

    def _endpoints(self, path: Path) -> Path:
        """Rasa's endpoints: the action server's proxy, the tracker store on PostgreSQL, and
        the lock store in Redis under this stack's prefix."""
        write_endpoints(self.settings, path)
        endpoints = yaml.safe_load(path.read_text())
        endpoints["tracker_store"]["purge_interval_seconds"] = self.tracker_purge_seconds
        if "lock_store" in endpoints:
            endpoints["lock_store"]["key_prefix"] = self.lock_prefix
        path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
        return path

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def replica_urls(self, tier: str) -> list[str]:
        """Each replica's own URL (bypassing the proxy)."""
        assert self.ports is not None
        return [f"http://127.0.0.1:{p}" for p in self.ports.of(tier)]

    def start(self, timeout: float = 300.0) -> None:
        """Start the proxies, then every replica, and wait until all are healthy."""
        for proxy in self.proxies.values():
            proxy.start()
        try:
            super().start(timeout)
        except BaseException:
            for proxy in self.proxies.values():
                proxy.stop()
            raise

    def stop(self) -> None:
        super().stop()
        for proxy in self.proxies.values():
            proxy.stop()


@contextlib.contextmanager
def temporary_replica_stack(model: Path, base: Settings, var_dir: Path, replicas: int = 2,
                            postgres: str = POSTGRES_SERVER, redis_url: str = REDIS_URL,
                            console_port: int | None = None, timeout: float = 300.0,
                            **options: Any) -> Iterator[ReplicaStack]:
    """A replica stack of its own on free ports: a new PostgreSQL database and Redis key
    prefixes named for the run, dropped and deleted on exit (tests, benchmarks). `base` gives
    everything else (secrets, channels); `options` go to `ReplicaStack`."""
    run = f"helplinerun{secrets.token_hex(5)}"
    create_database(postgres, run)
    try:
        settings = replica_settings(base, database_url(postgres, run), redis_url, run, free=True)
        prepare_stores(settings, settings.database_url)
        stack = ReplicaStack(settings, model, var_dir=var_dir, replicas=replicas,
                             ports=ReplicaPorts.free(replicas), lock_prefix=run,
                             console_port=console_port, **options)
        stack.start(timeout=timeout)
        try:
            yield stack
        finally:
            stack.stop()
    finally:
        with contextlib.suppress(Exception):
            clear_redis(redis_url, run)
        drop_database(postgres, run)


# --- make run-prod-shape -----------------------------------------------------------------------
def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.replicas", description=(
        "N replicas of rasa, actions and gateway (and the console) behind round-robin "
        "proxies, on one PostgreSQL and one Redis"))
    parser.add_argument("--replicas", type=int, default=2, help="replicas per tier (2)")
    parser.add_argument("--postgres", default=POSTGRES_SERVER,
                        help="PostgreSQL server URL without a database (local, user postgres)")
    parser.add_argument("--database", default=DATABASE, help=f"database name ({DATABASE})")
    parser.add_argument("--redis", default=REDIS_URL, help=f"Redis URL ({REDIS_URL})")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    from channels.ratelimit import redis_address
    from console.settings import load_console_settings
    from devstack.supervisor import DEV_OPENING_HOURS
    from devstack.training import train
    from helpline.settings import SettingsError, get_settings

    args = _arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for chatty in ("httpx", "alembic"):  # a line per proxied request, per migration step
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        base, console = get_settings(), load_console_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if base.handoff_opening_hours is None and base.helpline_env == "development":
        base = base.model_copy(update={"handoff_opening_hours": DEV_OPENING_HOURS})
    model = train()
    url = database_url(args.postgres, args.database)
    try:
        created = create_database(args.postgres, args.database)
        settings = replica_settings(base, url, args.redis)
        prepare_stores(settings, settings.database_url)
    except Exception as exc:  # the server is down, refuses us, or a migration failed
        print(f"error: cannot prepare PostgreSQL database {args.database} "
              f"({type(exc).__name__}); is PostgreSQL running? (scripts/services.sh)",
              file=sys.stderr)
        return 1
    print(f"==> database {args.database} {'created' if created else 'ready'}; every store "
          "migrated", flush=True)
    var = VAR_DIR / "prod-shape"
    stack = ReplicaStack(settings, model, var_dir=var, replicas=args.replicas,
                         console_port=console.console_port)
    assert stack.ports is not None
    s, ports = settings, stack.ports

    def listing(tier: str) -> str:
        return ", ".join(str(p) for p in ports.of(tier))

    banner = (
        "==> helpline (production shape) is up\n"
        f"    web chat        http://127.0.0.1:{s.gateway_port}/  "
        f"(gateways on {listing('gateway')})\n"
        f"    rasa proxy      http://127.0.0.1:{s.rasa_port}/  (replicas on {listing('rasa')})\n"
        f"    actions proxy   http://127.0.0.1:{s.actions_port}/  "
        f"(replicas on {listing('actions')})\n"
        f"    console         http://127.0.0.1:{console.console_port}/\n"
        f"    PostgreSQL      database {args.database}; Redis {redis_address(args.redis)}\n"
        "    Ctrl-C stops everything."
    )
    return run_in_foreground(
        stack, f"==> starting {args.replicas} replicas of actions, rasa and gateway, and the "
        f"console (logs in {var / 'logs'})", banner)


if __name__ == "__main__":
    raise SystemExit(main())
