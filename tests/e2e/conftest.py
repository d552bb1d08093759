"""Start the real stack (rasa, action server, gateway) once for the end-to-end tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpline.settings import Settings
from helpline.supervisor import Stack
from helpline.training import train


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("stack")
    rasa, actions, gateway = free_port(), free_port(), free_port()
    return Settings(
        helpline_env="test",
        database_url=f"sqlite:///{var / 'knowledge.db'}",
        tracker_store_url=f"sqlite:///{var / 'tracker.db'}",
        rasa_port=rasa,
        actions_port=actions,
        gateway_port=gateway,
        rasa_url=f"http://127.0.0.1:{rasa}",
        action_server_url=f"http://127.0.0.1:{actions}/webhook",
        sender_id_secret="end-to-end-test-secret-0123456789abcdef",
    )


@pytest.fixture(scope="session")
def stack(stack_settings: Settings) -> Iterator[Stack]:
    from knowledge.setup import prepare

    prepare(stack_settings.database_url)
    model = train()
    var_dir = Path(stack_settings.tracker_store_url.split("sqlite:///", 1)[1]).parent
    running = Stack(stack_settings, model, var_dir=var_dir)
    running.start(timeout=300)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def gateway(stack: Stack, stack_settings: Settings) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack_settings.gateway_port}",
                      timeout=60) as client:
        yield client


@pytest.fixture()
def rasa(stack: Stack, stack_settings: Settings) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack_settings.rasa_url, timeout=60) as client:
        yield client
