"""Start rasa, the action server and the gateway as child processes, and keep them running.

`python -m devstack` (what `make run` ends with) runs in the foreground, prints the
URLs once every process answers its health check, and on Ctrl-C or SIGTERM stops each child's
whole process group so no orphan keeps a port. A child that dies is restarted after a backoff
(1 s, doubling to 30 s, reset once it has run a minute) while the others keep serving, so a
Rasa crash does not take the gateway (and its apology to users) down with it.

Every process binds 127.0.0.1. Rasa reaches the action server with a shared token
(`ACTION_SERVER_TOKEN`, generated for the run when not set) and the action server refuses calls
without it. Each child's output goes through `helpline.logsafe.scrub` into
`var/logs/<name>.log`, rotated daily and kept `LOG_RETENTION_DAYS`. The end-to-end tests and the
benchmarks use the same `Stack`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import yaml

from devstack.training import rasa_env, train
from helpline import logsafe
from helpline.paths import BOT_DIR, ROOT, VAR_DIR
from helpline.settings import Settings, SettingsError, get_settings

PY = Path(sys.executable)
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
#: Restart delays: first, growth factor, ceiling; a child up this long is healthy again.
BACKOFF_FIRST, BACKOFF_FACTOR, BACKOFF_MAX, STABLE_AFTER = 1.0, 2.0, 30.0, 60.0


def _sql_store(url: str) -> dict[str, object]:
    """Rasa's SQL tracker-store keys for a SQLAlchemy URL (sqlite or postgresql)."""
    parsed = httpx.URL(url.replace("postgresql+psycopg://", "postgresql://"))
    if url.startswith("sqlite"):
        return {"dialect": "sqlite", "db": url.split("sqlite:///", 1)[1]}
    store: dict[str, object] = {"dialect": "postgresql", "db": parsed.path.lstrip("/")}
    if parsed.host:
        store["url"] = parsed.host
    if parsed.port:
        store["port"] = parsed.port
    if parsed.username:
        store["username"] = parsed.username
    if parsed.password:
        store["password"] = parsed.password
    return store


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Render Rasa's endpoints.yml from the settings (action server, stores)."""
    tracker: dict[str, object] = {
        "type": "helpline_nlu.tracker_store.ErasingSQLTrackerStore",
        "retention_days": settings.retention_days,
        **_sql_store(settings.tracker_store_url),
    }
    # Rasa expands ${ACTION_SERVER_TOKEN} from its environment: the token is not in the file.
    endpoints: dict[str, object] = {
        "action_endpoint": {
            "url": settings.action_server_url,
            "headers": {"Authorization": "Bearer ${ACTION_SERVER_TOKEN}"},
        },
        "tracker_store": tracker,
    }
    if settings.redis_url:
        r = httpx.URL(settings.redis_url)
        lock_store: dict[str, object] = {
            "type": "helpline_nlu.lock_store.SharedLockStore",
            "url": r.host,
            "port": r.port or 6379,
            "db": int(r.path.lstrip("/") or 0),
            "key_prefix": "helpline",
        }
        if r.password:
            # Rasa expands it from its environment (`Stack` sets it): not written to the file.
            lock_store["password"] = "${LOCK_STORE_PASSWORD}"
        endpoints["lock_store"] = lock_store
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def _pump(stream: IO[bytes], handler: logging.Handler) -> None:
    """Copy a child's output into its retained log file, line by line, scrubbed."""
    with stream:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            handler.handle(logging.makeLogRecord({"msg": logsafe.scrub(line), "args": ()}))


@dataclass
class Child:
    """One process of the stack. `stop()` holds it down (no restart) until `start()` again."""

    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    log: Path
    retention_days: int = 7
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    held: bool = False
    _handler: logging.Handler | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def start(self) -> None:
        """Start the process unless it is already running."""
        with self._lock:
            self.held = False
            if self.alive():
                return
            self._kill_group()
            if self._handler is None:
                self._handler = logsafe.retained_file_handler(self.log, self.retention_days)
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
            self.started_at = time.monotonic()
            assert self.proc.stdout is not None
            threading.Thread(target=_pump, args=(self.proc.stdout, self._handler),
                             name=f"log-{self.name}", daemon=True).start()

    def healthy(self) -> bool:
        try:
            return httpx.get(self.health_url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _kill_group(self) -> None:
        """SIGKILL whatever is left of the child's process group (workers of a dead parent)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def stop(self, grace: float = 10.0) -> None:
        """Stop the process group (SIGTERM, then SIGKILL after `grace`); no restart follows."""
        with self._lock:
            self.held = True
            if not self.proc:
                return
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    self._kill_group()
                    self.proc.wait(5)
            self._kill_group()

    def close(self) -> None:
        if self._handler is not None:
            self._handler.close()

    def backoff(self) -> float:
        """Seconds to wait before the next restart; resets after a stable run."""
        if time.monotonic() - self.started_at > STABLE_AFTER:
            self.restarts = 0
        return min(BACKOFF_MAX, BACKOFF_FIRST * BACKOFF_FACTOR ** self.restarts)

    def restart_if_dead(self, due: dict[str, float]) -> None:
        """One supervision step: note a death and its restart time, or restart when due."""
        with self._lock:
            if self.held or self.alive():
                due.pop(self.name, None)
                return
            now = time.monotonic()
            if self.name not in due:
                delay = self.backoff()
                code = self.proc.returncode if self.proc else None
                print(f"error: {self.name} stopped (exit {code}); restarting in {delay:.0f} s; "
                      f"see {self.log}", file=sys.stderr, flush=True)
                self._kill_group()
                due[self.name] = now + delay
            elif now >= due[self.name]:
                del due[self.name]
                self.restarts += 1
                self.start()


@dataclass
class Stack:
    """The three processes of the helpline, configured from `Settings`."""

    settings: Settings
    model: Path
    var_dir: Path = VAR_DIR
    children: list[Child] = field(default_factory=list)
    restart: bool = True
    #: The console's port (`make run` serves it); None leaves the console out (tests, benchmarks).
    console_port: int | None = None
    #: More environment for the console only (tests: its own database, a short reminder delay).
    console_env: dict[str, str] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _watcher: threading.Thread | None = None

    def __post_init__(self) -> None:
        s = self.settings
        endpoints = write_endpoints(s, self.var_dir / "endpoints.yml")
        env = self.child_environment()
        self.children = [self.process(tier, getattr(s, f"{tier}_port"), env, endpoints)
                         for tier in ("actions", "rasa", "gateway")]
        if self.console_port is not None:
            self.children.append(self.console_child(env))

    def process(self, tier: str, port: int, env: dict[str, str], endpoints: Path,
                name: str | None = None) -> Child:
        """The child serving `tier` (actions, rasa or gateway) on `port`, logged as `name`."""
        s = self.settings
        name = name or tier
        if tier == "rasa":
            argv = [str(RASA_PY), "-m", "helpline_nlu.serve", "--enable-api", "--model",
                    str(self.model), "--endpoints", str(endpoints), "--credentials",
                    str(BOT_DIR / "credentials.yml"), "--interface", s.rasa_host, "--port",
                    str(port), "--response-timeout", "30"]
            health = f"http://127.0.0.1:{port}/status"
            if s.rasa_token:
                health += f"?token={s.rasa_token}"
        else:
            argv = [str(PY), "-m", "helpline.serve", tier]
            health = f"http://127.0.0.1:{port}/health"
        return Child(name, argv, health, {**env, f"{tier.upper()}_PORT": str(port)},
                     self.var_dir / "logs" / f"{name}.log", s.log_retention_days)

    def console_child(self, env: dict[str, str], **extra: str) -> Child:
        """The console on `console_port`, reaching the gateway (or its proxy) on its port."""
        assert self.console_port is not None
        return Child(
            "console", [str(PY), "-m", "console"],
            f"http://127.0.0.1:{self.console_port}/health",
            {**env, "CONSOLE_PORT": str(self.console_port),
             "GATEWAY_URL": f"http://127.0.0.1:{self.settings.gateway_port}", **extra,
             **self.console_env},
            self.var_dir / "logs" / "console.log", self.settings.log_retention_days)

    def child_environment(self) -> dict[str, str]:
        """What every child is started with: this environment, Rasa's quiet settings and each
        setting as its variable, with the run's shared tokens."""
        s = self.settings
        env = {**os.environ, **rasa_env()}
        for key, value in s.model_dump().items():
            if value is not None:
                env[key.upper()] = str(value)
        # One token per run when none is configured, so the action server always checks one.
        env["ACTION_SERVER_TOKEN"] = s.action_server_token or secrets.token_urlsafe(32)
        # The same for the console's key to the gateway's internal endpoints (caseworkers'
        # replies), which the gateway and the console must share.
        env["GATEWAY_SERVICE_TOKEN"] = s.gateway_service_token or secrets.token_urlsafe(32)
        if s.redis_url and (password := httpx.URL(s.redis_url).password):
            env["LOCK_STORE_PASSWORD"] = password
        return env

    def start(self, timeout: float = 300.0) -> None:
        """Start every child, wait until all answer their health checks, then watch them."""
        self._stopping.clear()
        for child in self.children:
            child.start()
        deadline = time.monotonic() + timeout
        pending = list(self.children)
        while pending:
            for child in list(pending):
                if not child.alive():
                    self.stop()
                    raise RuntimeError(f"{child.name} exited during start-up; see {child.log}")
                if child.healthy():
                    pending.remove(child)
            if time.monotonic() > deadline:
                self.stop()
                names = ", ".join(c.name for c in pending)
                raise RuntimeError(f"not healthy after {timeout:.0f} s: {names}")
            time.sleep(0.5)
        if self.restart:
            self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        """Restart each child that dies, after its backoff; the others keep running."""
        due: dict[str, float] = {}
        while not self._stopping.wait(0.5):
            for child in self.children:
                if not self._stopping.is_set():
                    child.restart_if_dead(due)

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=15)
        for child in reversed(self.children):
            child.stop()
        for child in self.children:
            child.close()

    def pids(self) -> dict[str, int]:
        return {c.name: c.proc.pid for c in self.children if c.proc}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_settings(var_dir: Path, secret: str, **overrides: Any) -> Settings:
    """Settings for a stack of its own: free loopback ports, every store (knowledge base,
    tracker store, gateway store) a SQLite file in `var_dir` and the hotline snapshot there too;
    `.env` is not read, so a developer's channel tokens or database URLs never reach a test or a
    benchmark."""
    rasa, actions, gateway = free_port(), free_port(), free_port()
    values: dict[str, Any] = {
        "helpline_env": "test",
        "database_url": f"sqlite:///{var_dir / 'knowledge.db'}",
        "tracker_store_url": f"sqlite:///{var_dir / 'tracker.db'}",
        "gateway_database_url": f"sqlite:///{var_dir / 'gateway.db'}",
        "hotline_snapshot_path": var_dir / "hotlines.json",
        "rasa_port": rasa, "actions_port": actions, "gateway_port": gateway,
        "rasa_url": f"http://127.0.0.1:{rasa}",
        "action_server_url": f"http://127.0.0.1:{actions}/webhook",
        "sender_id_secret": secret,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.contextmanager
def temporary_stack(model: Path, secret: str, prefix: str = "helpline-",
                    timeout: float = 300.0) -> Iterator[Stack]:
    """The whole stack on free ports, with a seeded temporary knowledge base and every other
    store in the same temporary directory (benchmarks and evaluations); stopped and removed on
    exit."""
    from knowledge.setup import prepare

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        var = Path(tmp)
        settings = isolated_settings(var, secret)
        prepare(settings.database_url)
        stack = Stack(settings, model, var_dir=var)
        stack.start(timeout=timeout)
        try:
            yield stack
        finally:
            stack.stop()


#: The team's hours under `make run` when HANDOFF_OPENING_HOURS is unset.
DEV_OPENING_HOURS = "mon-sun 00:00-24:00"


def main() -> int:
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from console.settings import load_console_settings

    try:
        console = load_console_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.handoff_opening_hours is None and settings.helpline_env == "development":
        # On a developer's machine the console runs beside the bot, so a person can answer at
        # any hour; a deployment says when its team reads the inbox.
        settings = settings.model_copy(update={"handoff_opening_hours": DEV_OPENING_HOURS})
        print(f"==> hand-off inbox open {DEV_OPENING_HOURS} (set HANDOFF_OPENING_HOURS)")
    model = train()
    stack = Stack(settings, model, console_port=console.console_port)
    s = settings
    banner = (
        "==> helpline is up\n"
        f"    web chat      http://{s.gateway_host}:{s.gateway_port}/\n"
        f"    gateway       http://{s.gateway_host}:{s.gateway_port}/health\n"
        f"    rasa REST     http://127.0.0.1:{s.rasa_port}/webhooks/rest/webhook\n"
        f"    action server http://127.0.0.1:{s.actions_port}/health\n"
        f"    console       http://{console.console_host}:{console.console_port}/ "
        "(first admin: .venv/bin/helpline users add EMAIL --role admin)\n"
        "    Ctrl-C stops everything."
    )
    return run_in_foreground(
        stack, "==> starting actions, rasa, gateway and console (logs in var/logs/)", banner)


def run_in_foreground(stack: Stack, starting: str, banner: str) -> int:
    """Start `stack`, print `banner` once every process is healthy, and keep it running
    until Ctrl-C or SIGTERM, then stop every child (`make run`, `make run-prod-shape`)."""
    stopping = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(starting, flush=True)
    try:
        stack.start()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(banner, flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("==> stopping", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
