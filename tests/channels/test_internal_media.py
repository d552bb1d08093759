"""Media a person sends: kept as a reference only (Telegram `file_id`, Twilio media URL), listed
in the transcript, fetched from the channel on demand through the internal API and never stored
by the gateway, erased with the person and purged with the rest; the text-only note offers a
person."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from channels import texts
from channels.pseudonym import SecretBox
from channels.store import GatewayStore, make_store_engine
from helpline.i18n import LANGUAGES, gettext_for
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp
from tests.channels.internal_env import (
    ACCOUNT_SID,
    Env,
    serve,
    telegram_pseudonym,
    telegram_update,
    whatsapp_form,
    whatsapp_pseudonym,
)

VOICE_ID = telegram_update("voice")["message"]["voice"]["file_id"]
PHOTO_LARGE = telegram_update("photo_caption")["message"]["photo"][-1]["file_id"]
OGG = b"OggS\x00\x02" + bytes(range(256)) * 40
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(200)) * 30


@pytest.fixture
def env(tmp_path: Path, fake_rasa: tuple[FakeRasa, ServedApp]) -> Iterator[Env]:
    yield from serve(tmp_path, fake_rasa)


def _media_rows(env: Env) -> list[tuple]:
    with sqlite3.connect(env.db_path) as db:
        return db.execute("select pseudonym, channel, kind, ref_enc from gateway_media").fetchall()


def test_the_text_only_note_offers_a_person_in_every_language() -> None:
    for lang in LANGUAGES:
        note = gettext_for(lang)(texts.TEXT_ONLY)
        assert note and (lang == "en" or note != texts.TEXT_ONLY)
        assert note.count('"') == 2 or "«" in note  # the word to write is quoted


def test_a_telegram_voice_note_is_listed_and_fetched_through_the_bot_api(env: Env) -> None:
    env.bot_api.files[VOICE_ID] = ("voice/file_12.oga", OGG)
    env.telegram(telegram_update("voice"))
    env.telegram(telegram_update("voice"))  # re-delivered: kept once, the note sent once
    assert env.rasa.received == []
    assert [m["text"] for m in env.bot_api.sent()] == [gettext_for("es")(texts.TEXT_ONLY)]
    rows = _media_rows(env)
    assert len(rows) == 1 and rows[0][1:3] == ("telegram", "voice")
    assert VOICE_ID not in rows[0][3]  # the file id is kept encrypted

    pseudonym = telegram_pseudonym()
    events = env.conversation(pseudonym)["events"]
    assert len(events) == 1
    assert events[0]["who"] == "user" and events[0]["text"] == ""
    assert events[0]["media"]["kind"] == "voice"
    media_id = events[0]["media"]["id"]
    assert VOICE_ID not in media_id

    response = env.call("GET", f"/internal/media/{pseudonym}/{media_id}")
    assert response.status_code == 200
    assert response.content == OGG
    assert response.headers["content-type"] == "audio/ogg"
    assert response.headers["cache-control"] == "no-store"
    assert env.bot_api.downloads == 1
    assert [p["file_id"] for name, p in env.bot_api.calls if name == "getFile"] == [VOICE_ID]
    assert env.call("GET", f"/internal/media/{pseudonym}/{media_id}").content == OGG
    assert env.bot_api.downloads == 2  # fetched again each time: never kept by the gateway


def test_a_photo_with_a_caption_is_listed_before_the_caption_and_opened(env: Env) -> None:
    env.bot_api.files[PHOTO_LARGE] = ("photos/file_7.jpg", JPEG)
    env.telegram(telegram_update("photo_caption"))
    events = env.conversation(telegram_pseudonym())["events"]
    assert [(e["who"], e["media"]["kind"] if e["media"] else e["text"]) for e in events] == [
        ("user", "photo"), ("user", "¿dónde queda esta clínica?"),
        ("bot", "echo: ¿dónde queda esta clínica?")]
    response = env.call("GET", f"/internal/media/{telegram_pseudonym()}/"
                               f"{events[0]['media']['id']}")
    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"


def test_a_file_telegram_no_longer_has_is_gone(env: Env) -> None:
    env.telegram(telegram_update("voice"))  # the fake Bot API knows no such file
    media_id = env.conversation(telegram_pseudonym())["events"][0]["media"]["id"]
    response = env.call("GET", f"/internal/media/{telegram_pseudonym()}/{media_id}")
    assert response.status_code == 404
    assert response.json()["error"] == "media_gone"
    unknown = env.call("GET", f"/internal/media/{telegram_pseudonym()}/no-such-item")
    assert unknown.status_code == 404 and unknown.json()["error"] == "media_gone"


def test_media_of_one_person_cannot_be_opened_under_another(env: Env) -> None:
    env.bot_api.files[VOICE_ID] = ("voice/file_12.oga", OGG)
    env.telegram(telegram_update("voice"))
    env.telegram_text("hola", chat_id=5000000002, update_id=9)
    media_id = env.conversation(telegram_pseudonym())["events"][0]["media"]["id"]
    response = env.call("GET", f"/internal/media/{telegram_pseudonym(5000000002)}/{media_id}")
    assert response.status_code == 404
    assert env.bot_api.downloads == 0


def test_a_whatsapp_voice_note_is_fetched_from_twilio_with_the_account(env: Env) -> None:
    fields = whatsapp_form("voice")
    url = dict(fields)["MediaUrl0"]
    path = url.removeprefix("https://api.twilio.com")
    assert path.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/")
    env.twilio.media[path] = (OGG, "audio/ogg")
    env.whatsapp(fields, 1)
    assert env.twilio.bodies() == [gettext_for("es")(texts.TEXT_ONLY)]
    pseudonym = whatsapp_pseudonym()
    data = env.conversation(pseudonym)
    assert data["window"]["open"] is True  # a voice note opens the window too
    media = data["events"][0]["media"]
    assert media["kind"] == "voice"
    response = env.call("GET", f"/internal/media/{pseudonym}/{media['id']}")
    assert response.status_code == 200
    assert response.content == OGG
    assert response.headers["content-type"] == "audio/ogg"
    assert env.twilio.media_fetches == 1 and env.twilio.unauthorised == 0
    assert url not in str(_media_rows(env))


def test_a_whatsapp_image_with_a_caption_is_kept_and_the_caption_read(env: Env) -> None:
    env.whatsapp(whatsapp_form("image_caption"), 2)
    assert env.rasa.texts() == ["¿dónde queda esta clínica?"]
    kinds = [e["media"]["kind"] for e in env.conversation(whatsapp_pseudonym())["events"]
             if e["media"]]
    assert kinds == ["photo"]


def test_a_media_url_off_twilios_api_is_not_kept(env: Env) -> None:
    fields = whatsapp_form("voice", MediaUrl0="http://169.254.169.254/latest/meta-data/")
    env.whatsapp(fields, 1)
    assert _media_rows(env) == []


def test_media_rows_go_with_the_person_when_they_erase_their_data(env: Env) -> None:
    env.bot_api.files[VOICE_ID] = ("voice/file_12.oga", OGG)
    env.telegram(telegram_update("voice"))
    env.telegram_text("borra mis datos", update_id=2)
    pseudonym = telegram_pseudonym()
    store = env.store()
    assert store.holds_anything_of(pseudonym)["gateway_media"] == 1
    media_id = env.conversation(pseudonym)["events"][0]["media"]["id"]
    env.rasa.extra = [{"custom": {"helpline": {"erase": True}}}]
    env.telegram_text("sí", update_id=3)
    assert not any(store.holds_anything_of(pseudonym).values())
    response = env.call("GET", f"/internal/media/{pseudonym}/{media_id}")
    assert response.status_code == 404
    assert env.bot_api.downloads == 0
    store.engine.dispose()


def test_store_keeps_media_once_erases_and_purges_it(tmp_path: Path) -> None:
    engine = make_store_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    store = GatewayStore(engine, SecretBox("k" * 40), retention_seconds=3600)
    store.remember_sender("p1", "telegram", "123")
    first = store.add_media("p1", "telegram", "voice", "file-1", "audio/ogg", "u1:0")
    assert first is not None
    assert store.add_media("p1", "telegram", "voice", "file-1", "audio/ogg", "u1:0") is None
    assert store.add_media("p1", "telegram", "sticker", "file-2", None, "u2:0") is not None
    listed = store.media_of("p1")
    assert [m.kind for m in listed] == ["voice", "document"]
    assert all(m.ref is None for m in listed)
    item = store.media_item("p1", first)
    assert item is not None and item.ref == "file-1" and item.content_type == "audio/ogg"
    assert store.media_item("p2", first) is None
    record = store.sender("p1")
    assert record is not None and record.last_inbound_at is not None
    assert abs(record.last_inbound_at - time.time()) < 30

    store.forget_sender("p1")
    assert store.media_of("p1") == []

    store.remember_sender("p1", "telegram", "123")
    kept = store.add_media("p1", "telegram", "photo", "file-3", "image/jpeg", "u3:0")
    with engine.begin() as conn:
        conn.exec_driver_sql("update gateway_media set expires_at = 0")
    assert store.media_item("p1", str(kept)) is None  # expired: not served even before a purge
    store.purge_expired()
    assert store.holds_anything_of("p1")["gateway_media"] == 0
    engine.dispose()
