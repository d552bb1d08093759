"""Both messaging channels implement one interface (`channels.base.Channel`), and the app serves
each configured one's webhook from that interface alone."""

from __future__ import annotations

import inspect
from pathlib import Path

import httpx
import pytest

from channels.app import CHANNELS, create_app
from channels.base import Channel
from channels.telegram import TelegramChannel
from channels.whatsapp import WhatsAppChannel
from tests.auxil.networking import ServedApp, free_port
from tests.auxil.settings import make_settings


def test_both_channels_implement_the_interface_completely() -> None:
    assert set(CHANNELS) == {TelegramChannel, WhatsAppChannel}
    for kind in CHANNELS:
        assert issubclass(kind, Channel)
        assert not inspect.isabstract(kind), kind.__abstractmethods__
        assert kind.webhook_path == f"/webhooks/{kind.name}"
    assert len({kind.name for kind in CHANNELS}) == len(CHANNELS)


def test_the_settings_say_which_channels_run(tmp_path: Path) -> None:
    plain = make_settings(tmp_path, "http://127.0.0.1:9")
    assert [kind.configured(plain) for kind in CHANNELS] == [False, False]
    both = make_settings(tmp_path, "http://127.0.0.1:9", telegram_bot_token="123:abc",
                         twilio_account_sid="AC0", twilio_auth_token="t")
    assert [kind.configured(both) for kind in CHANNELS] == [True, True]


@pytest.mark.parametrize("kind", CHANNELS, ids=lambda k: k.name)
def test_an_unconfigured_channel_has_its_route_but_answers_404(kind: type[Channel],
                                                              tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    with ServedApp(create_app(settings)) as gw:
        response = httpx.post(gw.url + kind.webhook_path, content=b"{}")
        health = httpx.get(gw.url + "/health").json()
    assert response.status_code == 404
    assert response.json()["error"] == "channel_not_configured"
    assert kind.title in response.json()["message"]
    assert health["channels"] == {"webchat": True, "telegram": False, "whatsapp": False}
