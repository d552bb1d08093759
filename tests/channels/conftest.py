"""Fixtures for the gateway tests: a fake Rasa and the real gateway, both served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from channels.app import create_app
from helpline.settings import Settings
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp
from tests.auxil.settings import make_settings


@pytest.fixture
def fake_rasa() -> Iterator[tuple[FakeRasa, ServedApp]]:
    rasa = FakeRasa()
    with ServedApp(rasa.app()) as served:
        yield rasa, served


@pytest.fixture
def settings(tmp_path: Path, fake_rasa: tuple[FakeRasa, ServedApp]) -> Settings:
    return make_settings(tmp_path, fake_rasa[1].url)


@pytest.fixture
def gateway_server(settings: Settings) -> Iterator[ServedApp]:
    with ServedApp(create_app(settings)) as served:
        yield served


@pytest.fixture
def client(gateway_server: ServedApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_server.url, timeout=20) as http:
        yield http
