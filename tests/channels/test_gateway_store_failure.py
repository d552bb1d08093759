"""A gateway store that fails under a turn (its database restarting): the message the turn had
claimed is given back by the next retry round and answered, not held for `CLAIM_SECONDS`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.exc import OperationalError

from channels.app import create_app
from channels.pseudonym import pseudonymise
from channels.store import CLAIM_SECONDS
from tests.auxil.networking import ServedApp, wait_for
from tests.auxil.settings import SECRET, make_settings


def fail_once(method: Callable[..., None]) -> tuple[Callable[..., None], list[float]]:
    """`method`, except that its first call raises as a database that went away does; the
    list records when it failed."""
    failures: list[float] = []

    def wrapper(*args: Any, **kwargs: Any) -> None:
        if not failures:
            failures.append(time.monotonic())
            raise OperationalError("UPDATE gateway_queue", {}, ConnectionRefusedError())
        method(*args, **kwargs)

    return wrapper, failures


def test_a_claim_left_by_a_store_failure_is_given_back_at_the_next_round(tmp_path,
                                                                          fake_rasa) -> None:
    rasa, served = fake_rasa
    rasa.mode = "error"
    app = create_app(make_settings(tmp_path, served.url, gateway_retry_seconds=0.2))
    pseudonym = pseudonymise(SECRET, "webchat", "store-failure")
    with ServedApp(app) as gateway:
        store = app.state.gateway.store
        store.failed, failures = fail_once(store.failed)
        httpx.post(gateway.url + "/webchat/message", timeout=20,
                   json={"session": "store-failure", "message": "hola"})
        assert failures, "the store never failed under the turn"
        assert store.pending_count(pseudonym) == 1  # still queued, not lost
        rasa.mode = "ok"
        wait_for(lambda: store.pending_count(pseudonym) == 0, timeout=CLAIM_SECONDS / 4)
        assert time.monotonic() - failures[0] < CLAIM_SECONDS / 4
        assert rasa.user_texts(pseudonym)[-1] == "hola"


def test_an_answer_the_store_could_not_keep_is_sent_without_a_second_turn(tmp_path,
                                                                         fake_rasa) -> None:
    rasa, served = fake_rasa
    app = create_app(make_settings(tmp_path, served.url, gateway_retry_seconds=0.2))
    pseudonym = pseudonymise(SECRET, "webchat", "answer-kept")
    with ServedApp(app) as gateway:
        store = app.state.gateway.store
        store.answered, failures = fail_once(store.answered)
        httpx.post(gateway.url + "/webchat/message", timeout=20,
                   json={"session": "answer-kept", "message": "hola"})
        assert failures
        wait_for(lambda: store.pending_count(pseudonym) == 0, timeout=CLAIM_SECONDS / 4)
        # Rasa took the turn once; the answer it gave then is the one delivered.
        assert rasa.user_texts(pseudonym) == ["hola"]
        poll = httpx.get(gateway.url + "/webchat/replies", timeout=10,
                         params={"session": "answer-kept"})
        assert "echo: hola" in poll.text
