"""Action tests: tracker JSON fixtures, rasa-sdk's CollectingDispatcher, a real seeded database."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

TRACKERS = Path(__file__).parent / "trackers"


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from knowledge.setup import prepare

    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    prepare(url)
    return url


@pytest.fixture(autouse=True)
def knowledge_base(seeded_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from actions import kb
    from helpline.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", seeded_db)
    get_settings.cache_clear()
    kb.engine.cache_clear()
    yield seeded_db
    kb.engine.cache_clear()
    get_settings.cache_clear()


def make_tracker(fixture: str, text: str | None = None, intent: str | None = None,
                 slots: dict[str, Any] | None = None, entities: list[dict[str, Any]] | None = None,
                 metadata: dict[str, Any] | None = None) -> Tracker:
    """A tracker from `trackers/<fixture>.json`, with the latest message and slots overridden."""
    state = json.loads((TRACKERS / f"{fixture}.json").read_text(encoding="utf-8"))
    state = copy.deepcopy(state)
    message = state["latest_message"]
    if text is not None:
        message["text"] = text
    if intent is not None:
        message["intent"] = {"name": intent, "confidence": 0.9}
    if entities is not None:
        message["entities"] = entities
    if metadata is not None:
        message["metadata"] = metadata
    state["slots"].update(slots or {})
    events = state["events"] + [{"event": "user", "text": message["text"],
                                 "parse_data": message, "metadata": message.get("metadata", {})}]
    return Tracker(state["sender_id"], state["slots"], message, events, False, None,
                   {"name": "action_listen"}, "action_listen")


async def run_action(action: Any, tracker: Tracker) -> tuple[list[str], list[dict[str, Any]],
                                                             list[dict[str, Any]]]:
    """Run one action; returns (texts, messages, events). The custom message every answer
    carries for the gateway is left out (`run_action_raw` keeps it)."""
    messages, events = await run_action_raw(action, tracker)
    shown = [m for m in messages if "helpline" not in (m.get("custom") or {})]
    return [m.get("text") or "" for m in shown], shown, events


async def run_action_raw(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]],
                                                                 list[dict[str, Any]]]:
    """Run one action; returns every message it sent and its events."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
