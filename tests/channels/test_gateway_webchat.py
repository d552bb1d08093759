"""The web chat path through the real gateway app and a Rasa stand-in, both on loopback."""

from __future__ import annotations

import httpx

from channels import texts
from channels.app import create_app
from channels.pseudonym import pseudonymise
from helpline.i18n import LANGUAGES, gettext_for
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp, free_port, wait_for
from tests.auxil.settings import SECRET, make_settings

SESSION = "a1b2c3d4e5f6a7b8"


def translations(msgid: str) -> set[str]:
    return {gettext_for(lang)(msgid) for lang in LANGUAGES}


def send(client: httpx.Client, message: str, session: str = SESSION) -> httpx.Response:
    return client.post("/webchat/message", json={"session": session, "message": message})


def test_health_reports_rasa_reachable(client: httpx.Client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["rasa"] == "reachable"


def test_health_answers_when_rasa_is_down(tmp_path) -> None:
    settings = make_settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    with ServedApp(create_app(settings)) as gw:
        response = httpx.get(gw.url + "/health")
    assert response.status_code == 200
    assert response.json()["rasa"] == "unreachable"


def test_page_is_self_contained_and_direction_neutral(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert 'dir="auto"' in html
    assert "localStorage" in html
    assert "<script src" not in html and "<link" not in html  # nothing fetched from elsewhere


def test_message_reaches_rasa_under_a_pseudonym(client: httpx.Client, fake_rasa) -> None:
    rasa, _ = fake_rasa
    response = send(client, "hola")
    assert response.status_code == 200
    assert response.json()["replies"][0]["text"] == "echo: hola"
    body = rasa.received[-1]
    assert body["sender"] == pseudonymise(SECRET, "webchat", SESSION)
    assert SESSION not in str(body)
    assert body["input_channel"] == "webchat"
    assert isinstance(body["metadata"], dict)
    assert rasa.params[-1] == {}  # no token configured, none sent


def test_token_is_sent_when_configured(tmp_path, fake_rasa) -> None:
    rasa, served = fake_rasa
    settings = make_settings(tmp_path, served.url, rasa_token="s3cret-token")
    with ServedApp(create_app(settings)) as gw:
        response = httpx.post(gw.url + "/webchat/message",
                              json={"session": SESSION, "message": "hi"})
    assert response.status_code == 200
    assert rasa.params[-1] == {"token": "s3cret-token"}


def test_buttons_come_back_as_rasa_sends_them(client: httpx.Client) -> None:
    reply = send(client, "buttons").json()["replies"][0]
    assert [b["payload"] for b in reply["buttons"]][:2] == ["/ask_health", "/ask_education"]


def test_bad_input_is_answered_and_nothing_breaks(client: httpx.Client, fake_rasa) -> None:
    rasa, _ = fake_rasa
    empty = send(client, "")
    assert empty.status_code == 400 and empty.json()["error"] == "empty_message"
    blank = send(client, "   \n ")
    assert blank.status_code == 400 and blank.json()["error"] == "empty_message"

    huge = send(client, "a" * 10_000)
    assert huge.status_code == 413
    assert huge.json()["error"] == "message_too_long"
    assert huge.json()["limit"] == 4096
    at_limit = send(client, "b" * 4096)
    assert at_limit.status_code == 200

    broken = client.post("/webchat/message", content=b'{"session": "x',
                         headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"] == "invalid_json"
    not_object = client.post("/webchat/message", json=["hola"])
    assert not_object.status_code == 400 and not_object.json()["error"] == "invalid_json"
    no_session = client.post("/webchat/message", json={"message": "hola"})
    assert no_session.status_code == 400 and no_session.json()["error"] == "invalid_session"
    not_text = client.post("/webchat/message", json={"session": SESSION, "message": 42})
    assert not_text.status_code == 400

    emoji = send(client, "🙏😢🆘")
    assert emoji.status_code == 200
    assert emoji.json()["replies"][0]["text"] == "echo: 🙏😢🆘"

    unknown = client.get("/no/such/route")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    wrong_method = client.get("/webchat/message")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "method_not_allowed"

    assert rasa.texts() == ["b" * 4096, "🙏😢🆘"]  # nothing invalid was forwarded
    assert send(client, "still working").json()["replies"][0]["text"] == "echo: still working"


def test_reserved_channel_routes_answer_json_when_not_configured(client: httpx.Client) -> None:
    for path in ("/webhooks/telegram", "/webhooks/whatsapp"):
        response = client.post(path, content=b"{}")
        assert response.status_code == 404
        assert response.json()["error"] == "channel_not_configured"


def test_rate_limit_per_sender(tmp_path, fake_rasa) -> None:
    rasa, served = fake_rasa
    settings = make_settings(tmp_path, served.url, gateway_rate_limit_per_minute=3)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        codes = [send(http, f"m{i}").status_code for i in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = send(http, "m4").json()
        assert limited["status"] == "rate_limited"
        assert limited["replies"][-1]["text"] in translations(texts.TOO_FAST)
        assert send(http, "other", session="z9y8x7w6v5u4").status_code == 200
    assert rasa.texts() == ["m0", "m1", "m2", "other"]


def test_rasa_down_apologises_queues_and_delivers_later(tmp_path) -> None:
    rasa = FakeRasa()
    rasa_port = free_port()
    settings = make_settings(tmp_path, f"http://127.0.0.1:{rasa_port}")
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        first = send(http, "where can I see a doctor").json()
        assert first["status"] == "queued"
        assert first["replies"][-1]["text"] in translations(texts.APOLOGY)
        second = send(http, "and my children").json()
        assert second["status"] == "queued"
        assert http.get("/health").json()["queued_messages"] == 2

        with ServedApp(rasa.app(), port=rasa_port):
            wait_for(lambda: len(rasa.received) == 2)
            replies: list[dict] = []

            def two_replies() -> bool:
                found = http.get("/webchat/replies", params={"session": SESSION}).json()
                replies.extend(found["replies"])
                return len(replies) == 2

            wait_for(two_replies)
        assert rasa.texts() == ["where can I see a doctor", "and my children"]
        assert [r["text"] for r in replies] == [
            "echo: where can I see a doctor", "echo: and my children"]
        assert http.get("/health").json()["queued_messages"] == 0


def test_rasa_errors_then_recovers_message_kept_in_order(tmp_path, fake_rasa) -> None:
    rasa, served = fake_rasa
    settings = make_settings(tmp_path, served.url, gateway_retry_seconds=30)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        rasa.mode = "error"
        assert send(http, "one").json()["status"] == "queued"
        rasa.mode = "empty"  # Rasa up, action server down: 200 with no reply
        assert send(http, "two").json()["status"] == "queued"
        rasa.mode = "ok"
        third = send(http, "three").json()  # the queue is drained before the new message
        assert third["status"] == "answered"
        assert [r["text"] for r in third["replies"]] == ["echo: one", "echo: two", "echo: three"]
    assert rasa.texts()[-3:] == ["one", "two", "three"]


def test_an_unanswered_message_is_retried_without_repeating_the_users_turn(
        tmp_path, fake_rasa) -> None:
    rasa, served = fake_rasa
    rasa.mode = "empty"
    settings = make_settings(tmp_path, served.url, gateway_retry_seconds=0.05)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        assert send(http, "hello?").json()["status"] == "queued"
        wait_for(lambda: len(rasa.executed) >= 3, timeout=20)  # retried, still unanswered
        assert http.get("/health").json()["queued_messages"] == 1  # never given up
        rasa.mode = "ok"
        wait_for(lambda: http.get("/health").json()["queued_messages"] == 0, timeout=20)
        replies = http.get("/webchat/replies", params={"session": SESSION}).json()["replies"]
    assert [r["text"] for r in replies] == ["echo: hello?"]
    sender = rasa.received[0]["sender"]
    assert rasa.user_texts(sender) == ["hello?"]  # the question is in the tracker once
    # Only the failed action is replayed, then Rasa is told to listen again.
    assert set(rasa.executed) == {"action_answer_topic", "action_listen"}
    assert rasa.executed[-1] == "action_listen"


def test_over_the_rate_limit_messages_are_queued_and_danger_is_never_held(
        tmp_path, fake_rasa) -> None:
    rasa, served = fake_rasa
    settings = make_settings(tmp_path, served.url, gateway_rate_limit_per_minute=2)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        assert send(http, "one").json()["status"] == "answered"
        assert send(http, "two").json()["status"] == "answered"
        third = send(http, "three")
        assert third.status_code == 429
        assert third.json()["replies"] == [{"text": gettext_for("en")(texts.TOO_FAST)}]
        assert http.get("/health").json()["queued_messages"] == 1  # kept, not dropped
        assert rasa.texts() == ["one", "two"]
        danger = send(http, "me quieren matar")
        assert danger.status_code == 200
    # The cry for help is not held back, and takes the waiting message with it, in order.
    assert rasa.texts() == ["one", "two", "three", "me quieren matar"]


def test_a_lone_surrogate_is_answered_not_a_server_error(client: httpx.Client, fake_rasa) -> None:
    body = '{"session": "' + SESSION + '", "message": "me quieren matar, ayuda \\ud83d"}'
    response = client.post("/webchat/message", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert fake_rasa[0].texts() == ["me quieren matar, ayuda \ufffd"]


def test_deeply_nested_json_is_a_client_error(client: httpx.Client) -> None:
    response = client.post("/webchat/message", content="[" * 100_000 + "]" * 100_000,
                           headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 413)
    small = client.post("/webchat/message", content="[" * 30_000 + "]" * 30_000)
    assert small.status_code == 400


def test_a_chunked_body_over_the_cap_is_refused(client: httpx.Client) -> None:
    def chunks():
        for _ in range(200):
            yield b"x" * 1024

    response = client.post("/webchat/message", content=chunks(),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_starting_gateway_purges_expired_data_at_once(tmp_path, fake_rasa) -> None:
    from channels.pseudonym import SecretBox
    from channels.store import GatewayStore, make_store_engine

    settings = make_settings(tmp_path, fake_rasa[1].url)
    engine = make_store_engine(settings.gateway_database_url)
    store = GatewayStore(engine, SecretBox(SECRET), retention_seconds=-1)  # already expired
    store.remember_sender("expired-sender", "webchat", "old-session")
    store.enqueue("expired-sender", "webchat", "old message", {})
    assert store.holds_anything_of("expired-sender")["gateway_senders_v2"] == 1
    with ServedApp(create_app(settings)):
        wait_for(lambda: not any(store.holds_anything_of("expired-sender").values()),
                 timeout=5)
    engine.dispose()
