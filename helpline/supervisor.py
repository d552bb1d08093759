"""Start rasa, the action server and the gateway as child processes, and stop them together.

`python -m helpline.supervisor` (what `make run` ends with) runs in the foreground, prints the
URLs once every process answers its health check, and on Ctrl-C or SIGTERM stops each child's
whole process group so no orphan keeps a port. The end-to-end tests use the same `Stack`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from helpline.paths import BOT_DIR, ROOT, VAR_DIR
from helpline.settings import Settings, get_settings
from helpline.training import rasa_env, train

PY = Path(sys.executable)
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"


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
    endpoints: dict[str, object] = {
        "action_endpoint": {"url": settings.action_server_url},
        "tracker_store": tracker,
    }
    if settings.redis_url:
        r = httpx.URL(settings.redis_url)
        endpoints["lock_store"] = {
            "type": "redis",
            "url": r.host,
            "port": r.port or 6379,
            "db": int(r.path.lstrip("/") or 0),
            "key_prefix": "helpline",
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


@dataclass
class Child:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def healthy(self) -> bool:
        try:
            return httpx.get(self.health_url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@dataclass
class Stack:
    """The three processes of the helpline, configured from `Settings`."""

    settings: Settings
    model: Path
    var_dir: Path = VAR_DIR
    children: list[Child] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.settings
        logs = self.var_dir / "logs"
        endpoints = write_endpoints(s, self.var_dir / "endpoints.yml")
        env = {**os.environ, **rasa_env()}
        for key, value in s.model_dump().items():
            if value is not None:
                env[key.upper()] = str(value)
        rasa_argv = [
            str(RASA_BIN), "run", "--enable-api", "--model", str(self.model),
            "--endpoints", str(endpoints), "--credentials", str(BOT_DIR / "credentials.yml"),
            "--interface", "127.0.0.1", "--port", str(s.rasa_port),
            "--response-timeout", "30", "--log-file", str(logs / "rasa-debug.log"),
        ]
        status = f"http://127.0.0.1:{s.rasa_port}/status"
        if s.rasa_token:
            rasa_argv += ["--auth-token", s.rasa_token]
            status += f"?token={s.rasa_token}"
        self.children = [
            Child(
                "actions",
                [str(PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(s.actions_port)],
                f"http://127.0.0.1:{s.actions_port}/health", env, logs / "actions.log",
            ),
            Child("rasa", rasa_argv, status, env, logs / "rasa.log"),
            Child(
                "gateway",
                [str(PY), "-m", "uvicorn", "--factory", "channels.app:create_app",
                 "--host", s.gateway_host, "--port", str(s.gateway_port), "--no-access-log"],
                f"http://127.0.0.1:{s.gateway_port}/health", env, logs / "gateway.log",
            ),
        ]

    def start(self, timeout: float = 300.0) -> None:
        """Start every child and wait until all answer their health checks."""
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

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()

    def pids(self) -> dict[str, int]:
        return {c.name: c.proc.pid for c in self.children if c.proc}


def main() -> int:
    settings = get_settings()
    model = train()
    stack = Stack(settings, model)
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print("==> starting actions, rasa and gateway (logs in var/logs/)", flush=True)
    try:
        stack.start()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    s = settings
    print(
        "==> helpline is up\n"
        f"    web chat      http://{s.gateway_host}:{s.gateway_port}/\n"
        f"    gateway       http://{s.gateway_host}:{s.gateway_port}/health\n"
        f"    rasa REST     http://127.0.0.1:{s.rasa_port}/webhooks/rest/webhook\n"
        f"    action server http://127.0.0.1:{s.actions_port}/health\n"
        "    Ctrl-C stops everything.",
        flush=True,
    )
    try:
        while not stopping:
            for child in stack.children:
                if not child.alive():
                    print(f"error: {child.name} stopped; see {child.log}", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("==> stopping", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
