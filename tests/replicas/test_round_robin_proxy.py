"""The replica stack's round-robin proxy (`devstack.replicas.RoundRobinProxy`) over small apps
served on loopback: turns alternate per route family, a replica that refuses connections is
skipped, one that takes a request and fails is answered 502 and not sent it again; and the
command line of `make run-prod-shape`."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack import replicas
from devstack.replicas import RoundRobinProxy
from tests.auxil.networking import ServedApp, free_port


def replica_app(name: str, seen: list[tuple[str, str]]) -> Starlette:
    async def echo(request: Request) -> Response:
        body = await request.body()
        seen.append((name, request.url.path))
        return JSONResponse({"replica": name, "body": body.decode(),
                             "query": request.url.query,
                             "auth": request.headers.get("authorization")},
                            headers={"x-replica": name})

    return Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])


@pytest.fixture
def two() -> Iterator[tuple[RoundRobinProxy, list[ServedApp], list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    apps = [ServedApp(replica_app(n, seen)).start() for n in ("a", "b")]
    proxy = RoundRobinProxy("test", [a.url for a in apps], free_port())
    proxy.start()
    try:
        yield proxy, apps, seen
    finally:
        proxy.stop()
        for app in apps:
            app.stop()


def test_turns_alternate_per_route_family_and_requests_pass_whole(two) -> None:
    proxy, _apps, _seen = two
    answers = [httpx.post(f"{proxy.url}/webhooks/rest/webhook?token=t", content=f"turn {n}",
                          headers={"Authorization": "Bearer x"}).json() for n in range(4)]
    assert [a["replica"] for a in answers] == ["a", "b", "a", "b"]
    assert answers[2] == {"replica": "a", "body": "turn 2", "query": "token=t",
                          "auth": "Bearer x"}
    # Another family has its own turn: a health check does not shift the conversation's.
    assert httpx.get(f"{proxy.url}/health").headers["x-replica"] == "a"
    assert httpx.post(f"{proxy.url}/webhooks/rest/webhook").json()["replica"] == "a"
    assert proxy.counts("POST", "/webhooks") == [3, 2]


def test_a_replica_refusing_connections_is_skipped(two) -> None:
    proxy, apps, _seen = two
    apps[0].stop()
    answers = [httpx.post(f"{proxy.url}/webhooks/x").json()["replica"] for _ in range(4)]
    assert answers == ["b"] * 4
    assert proxy.failovers == 1  # tried once, then left alone for DOWN_SECONDS
    apps[0].start()


def dying_replica() -> tuple[int, list[bytes]]:
    """A replica that reads one request and dies without answering (its port, what it read)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    taken: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"turn"):
            chunk = conn.recv(65536)  # headers and body may come in separate segments
            if not chunk:
                break
            data += chunk
        taken.append(data)
        conn.close()
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], taken


def test_a_replica_failing_a_request_it_took_is_answered_502_once() -> None:
    seen: list[tuple[str, str]] = []
    port, taken = dying_replica()
    with ServedApp(replica_app("b", seen)) as healthy:
        proxy = RoundRobinProxy("test", [f"http://127.0.0.1:{port}", healthy.url], free_port())
        proxy.start()
        try:
            response = httpx.post(f"{proxy.url}/webhooks/rest/webhook", content="turn")
            assert response.status_code == 502
            assert response.json()["error"] == "bad_gateway"
            assert len(taken) == 1 and taken[0].endswith(b"turn")
            assert seen == []  # not sent to the other replica as well
            assert proxy.failed == 1
        finally:
            proxy.stop()


def test_no_replica_answers_502(two) -> None:
    proxy, apps, _seen = two
    for app in apps:
        app.stop()
    response = httpx.get(f"{proxy.url}/status")
    assert response.status_code == 502 and response.json()["error"] == "no_replica"


def test_command_line_refuses_fewer_than_one_replica(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        replicas.main(["--replicas", "0"])
    assert stop.value.code == 2
    assert "--replicas must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        replicas.main(["--help"])
    assert stop.value.code == 0
    assert "round-robin" in capsys.readouterr().out


def test_database_names_are_checked() -> None:
    with pytest.raises(ValueError):
        replicas.create_database("postgresql+psycopg://postgres@127.0.0.1:1", 'x"; drop')
