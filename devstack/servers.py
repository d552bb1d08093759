"""Store servers of a run's own: a Redis and a PostgreSQL on free loopback ports, started from
the machine's binaries, which a test may stop and start again (faults) and a benchmark may
meter alone. Nothing is kept after `stop()` except in the directory the caller owns."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from devstack.supervisor import free_port


class ServerError(RuntimeError):
    """A store server could not be found or started."""


class PrivateRedis:
    """`redis-server` on a free loopback port, nothing on disk; stop and start keep the port."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerError("redis-server is not installed")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.RedisError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise ServerError("the private Redis server did not start") from None
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise ServerError("PostgreSQL's server binaries (pg_ctl, initdb) are not installed")


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a new temporary directory, trust auth,
    loopback, a free port); `stop()` and `start()` keep its data, as a server restart does, and
    `remove()` deletes it. As root, the cluster belongs to the `postgres` account (the server
    refuses to run as root), so its directory sits where that account can reach it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="helpline-pg-"))
        self.data = self.directory / "data"
        self.bin = _postgres_bin()
        self._user: str | None = "postgres" if os.geteuid() == 0 else None

    @staticmethod
    def available() -> bool:
        try:
            _postgres_bin()
        except ServerError:
            return False
        return os.geteuid() != 0 or _has_account("postgres")

    @property
    def server_url(self) -> str:
        """The SQLAlchemy URL of the server, without a database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _run(self, *argv: str, timeout: float = 120) -> None:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise ServerError(f"{argv[0]} failed: {(done.stderr or done.stdout)[-800:]}")

    def init(self) -> None:
        if self._user:
            account = pwd.getpwnam(self._user)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--no-sync")

    def start(self) -> None:
        if not self.data.exists():
            self.init()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                   f"-c unix_socket_directories={self.directory} -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: roll back open transactions and close every connection;
        `immediate`: as a crash would)."""
        with contextlib.suppress(ServerError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
