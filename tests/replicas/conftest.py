"""Fixtures of the replica tests: a Rasa stand-in served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp


@pytest.fixture
def fake_rasa() -> Iterator[tuple[FakeRasa, ServedApp]]:
    rasa = FakeRasa()
    with ServedApp(rasa.app()) as served:
        yield rasa, served
