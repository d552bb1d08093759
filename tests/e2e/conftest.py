"""Start the real stack (rasa, action server, gateway) once for the end-to-end tests, with every
store, log and endpoints file in the session's temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.supervisor import Stack, isolated_settings
from devstack.training import train
from helpline.settings import Settings


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def stack_settings(stack_dir: Path) -> Settings:
    return isolated_settings(stack_dir, "end-to-end-test-secret-0123456789abcdef")


@pytest.fixture(scope="session")
def stack(stack_settings: Settings, stack_dir: Path) -> Iterator[Stack]:
    from knowledge.setup import prepare

    prepare(stack_settings.database_url)
    running = Stack(stack_settings, train(), var_dir=stack_dir)
    running.start(timeout=300)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture()
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.gateway_port}",
                      timeout=60) as client:
        yield client


@pytest.fixture()
def rasa(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.settings.rasa_url, timeout=60) as client:
        yield client
