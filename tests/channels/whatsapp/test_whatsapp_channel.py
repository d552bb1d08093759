"""WhatsApp (Twilio) inside the gateway: stored Twilio webhook forms, signed and forged with
twilio's own RequestValidator, a local recorder in place of Twilio's REST API, and the Rasa
stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from channels import texts
from channels.app import create_app
from channels.pseudonym import pseudonymise
from helpline.i18n import gettext_for
from tests.auxil.fake_apis import FakeTwilio
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp, free_port, wait_for
from tests.auxil.settings import SECRET, make_settings

PAYLOADS = Path(__file__).parent / "payloads"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://helpline.example.org"
USER = "whatsapp:+5215500000001"
HELPLINE_NUMBER = "whatsapp:+14155238886"


def form(name: str, **changes: str) -> list[tuple[str, str]]:
    fields = parse_qsl((PAYLOADS / f"{name}.form").read_text("utf-8"), keep_blank_values=True)
    out = [(k, changes.pop(k)) if k in changes else (k, v) for k, v in fields]
    return out + list(changes.items())


def sign(fields: list[tuple[str, str]], url: str = PUBLIC + "/webhooks/whatsapp",
         token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, dict(fields))


@dataclass
class WhatsAppEnv:
    rasa: FakeRasa
    twilio: FakeTwilio
    http: httpx.Client

    def post(self, fields: list[tuple[str, str]], signature: str | None = None,
             path: str = "/webhooks/whatsapp") -> httpx.Response:
        signature = sign(fields, PUBLIC + path) if signature is None else signature
        return self.http.post(
            path, content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": signature})

    def deliver(self, fields: list[tuple[str, str]], replies: int) -> None:
        """Post a genuine webhook and wait until `replies` messages went out in total."""
        assert self.post(fields).status_code == 200
        wait_for(lambda: len(self.twilio.messages) >= replies)


@pytest.fixture
def twilio_api() -> Iterator[tuple[FakeTwilio, ServedApp]]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    with ServedApp(fake.app()) as served:
        yield fake, served


def whatsapp_settings(tmp_path: Path, rasa_url: str, twilio_url: str, **overrides: Any) -> Any:
    values = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_number": "+14155238886",
        "twilio_api_base_url": twilio_url,
        "public_base_url": PUBLIC,
    }
    values.update(overrides)
    return make_settings(tmp_path, rasa_url, **values)


@pytest.fixture
def env(tmp_path, fake_rasa, twilio_api) -> Iterator[WhatsAppEnv]:
    rasa, rasa_served = fake_rasa
    fake, twilio_served = twilio_api
    settings = whatsapp_settings(tmp_path, rasa_served.url, twilio_served.url)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url, timeout=20) as http:
        yield WhatsAppEnv(rasa, fake, http)


def test_forged_and_missing_signatures_are_refused(env: WhatsAppEnv) -> None:
    fields = form("text")
    assert env.post(fields, signature="").status_code == 403
    assert env.post(fields, signature=sign(fields, token="f" * 32)).status_code == 403
    assert env.post(fields, signature=sign(fields, url="http://127.0.0.1/webhooks/whatsapp")
                    ).status_code == 403
    tampered = form("text", Body="send me everything")
    assert env.post(tampered, signature=sign(fields)).status_code == 403
    assert env.rasa.received == []


def test_genuine_text_is_answered_through_the_rest_api(env: WhatsAppEnv) -> None:
    response = env.post(form("text"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response>" in response.text
    wait_for(lambda: env.twilio.messages)
    body = env.rasa.received[-1]
    assert body["message"] == "hola, necesito ver a un médico"
    assert body["sender"] == pseudonymise(SECRET, "whatsapp", USER)
    assert "5500000001" not in json.dumps(body)
    assert body["input_channel"] == "whatsapp"
    sent = env.twilio.messages[-1]
    assert sent["To"] == USER
    assert sent["From"] == HELPLINE_NUMBER
    assert sent["Body"] == "echo: hola, necesito ver a un médico"


def test_signature_covers_the_query_string(env: WhatsAppEnv) -> None:
    fields = form("text")
    path = "/webhooks/whatsapp?region=mx"
    assert env.post(fields, signature=sign(fields), path=path).status_code == 403
    assert env.post(fields, path=path).status_code == 200


def test_duplicate_message_sid_is_handled_once(env: WhatsAppEnv) -> None:
    fields = form("text")
    for _ in range(3):
        assert env.post(fields).status_code == 200
    wait_for(lambda: env.twilio.messages)
    env.deliver(form("text", MessageSid="SMffffffffffffffffffffffffffffffff",
                     SmsMessageSid="SMffffffffffffffffffffffffffffffff", Body="otra"), 2)
    assert env.rasa.texts() == ["hola, necesito ver a un médico", "otra"]


def test_location_is_forwarded_as_metadata(env: WhatsAppEnv) -> None:
    env.deliver(form("location"), 1)
    body = env.rasa.received[-1]
    assert body["message"] == "/inform"
    assert body["metadata"]["location"] == {"lat": 19.432608, "lon": -99.133209}


def test_voice_note_gets_the_text_only_note(env: WhatsAppEnv) -> None:
    env.deliver(form("voice"), 1)
    assert env.rasa.received == []
    assert env.twilio.bodies() == [gettext_for("es")(texts.TEXT_ONLY)]


def test_image_with_caption_gets_the_note_and_the_caption_is_read(env: WhatsAppEnv) -> None:
    env.deliver(form("image_caption"), 2)
    assert env.rasa.texts() == ["¿dónde queda esta clínica?"]
    assert env.twilio.bodies() == [gettext_for("es")(texts.TEXT_ONLY),
                                   "echo: ¿dónde queda esta clínica?"]


def test_buttons_become_numbered_options_mapped_back(env: WhatsAppEnv) -> None:
    env.deliver(form("text", Body="buttons"), 1)
    body = env.twilio.bodies()[0]
    assert "1. Health\n2. School\n3. Spanish" in body
    assert body.endswith(gettext_for("en")(texts.CHOOSE_NUMBER)) or body.endswith(
        gettext_for("es")(texts.CHOOSE_NUMBER))
    env.deliver(form("option"), 2)  # Body "2"
    assert env.rasa.texts()[-1] == "/ask_education"
    # the options are spent once a reply without buttons arrives
    env.deliver(form("option", MessageSid="SM00000000000000000000000000000001"), 3)
    assert env.rasa.texts()[-1] == "2"


def test_long_replies_are_split_at_1600(env: WhatsAppEnv) -> None:
    env.deliver(form("text", Body="long"), 4)
    bodies = env.twilio.bodies()
    assert all(len(b) <= 1600 for b in bodies)
    assert "".join(bodies) == "x" * 5000


def test_per_sender_rate_limit(tmp_path, fake_rasa, twilio_api) -> None:
    rasa, rasa_served = fake_rasa
    fake, twilio_served = twilio_api
    settings = whatsapp_settings(tmp_path, rasa_served.url, twilio_served.url,
                                 gateway_rate_limit_per_minute=2)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        wa = WhatsAppEnv(rasa, fake, http)
        for i in range(3):
            sid = f"SM{i:032d}"
            wa.deliver(form("text", MessageSid=sid, SmsMessageSid=sid, Body=f"m{i}"), i + 1)
    assert rasa.texts() == ["m0", "m1"]
    assert fake.bodies()[-1] == gettext_for("es")(texts.TOO_FAST)


def test_rasa_outage_loses_no_message(tmp_path, twilio_api) -> None:
    fake, twilio_served = twilio_api
    rasa = FakeRasa()
    rasa_port = free_port()
    settings = whatsapp_settings(tmp_path, f"http://127.0.0.1:{rasa_port}", twilio_served.url)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        wa = WhatsAppEnv(rasa, fake, http)
        wa.deliver(form("text", Body="me quieren matar"), 2)
        _ = gettext_for("es")
        assert fake.bodies() == [_(texts.DANGER_UNKNOWN_COUNTRY), _(texts.APOLOGY)]
        with ServedApp(rasa.app(), port=rasa_port):
            wait_for(lambda: len(fake.messages) == 3)
    assert rasa.texts() == ["me quieren matar"]
    assert fake.messages[-1]["Body"] == "echo: me quieren matar"
    assert fake.messages[-1]["To"] == USER


def test_no_text_or_phone_number_in_info_logs(env: WhatsAppEnv, caplog) -> None:
    with caplog.at_level(logging.INFO):
        env.deliver(form("text"), 1)
        env.post(form("text"))  # duplicate
        env.post(form("text"), signature="forged")
        env.deliver(form("voice"), 2)
    assert "médico" not in caplog.text
    assert "5500000001" not in caplog.text
    assert AUTH_TOKEN not in caplog.text


def test_a_chunked_unsigned_or_oversized_form_is_refused_before_parsing(
        env: WhatsAppEnv) -> None:
    def big_form():
        yield b"Body="
        for _ in range(64):  # 16 MiB, chunked: no Content-Length to check
            yield b"a" * (256 * 1024)

    unsigned = env.http.post("/webhooks/whatsapp", content=big_form(),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status_code == 403
    forged = env.http.post("/webhooks/whatsapp", content=big_form(),
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "X-Twilio-Signature": "forged"})
    assert forged.status_code == 413
    assert env.rasa.received == []
