"""Loopback networking for tests: free ports, an ASGI app served by uvicorn in a thread, the
addresses a port listens on, and polling until a condition holds."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from devstack.supervisor import free_port

__all__ = ["ServedApp", "free_port", "listening_addresses", "wait_for", "wait_until"]


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopping without its fixed pauses: it checks `should_exit` every 10 ms
    instead of every 100 ms, and skips the 100 ms grace for open connections when none is open.
    The suite stops a few hundred servers; those pauses were a third of the gateway tests' time.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            await asyncio.sleep(0.01)
            should_exit = await self.on_tick(counter)


class ServedApp:
    """An ASGI app served by uvicorn in a thread on a fixed loopback port (restartable)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ServedApp:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        server = _PromptServer(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        sock.close()  # uvicorn holds its own duplicate of the listening socket
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05,
             what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy; return its value or fail saying `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not met within {timeout:.0f} s")


def wait_until(predicate: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    """`wait_for` at the pace of whole processes (every 0.2 s), as the stack tests need."""
    return wait_for(predicate, timeout, 0.2, what)
