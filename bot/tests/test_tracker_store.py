"""The erasing tracker store: erasure on request and the retention limit, on a real SQLite file."""

import asyncio
import time

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from helpline_nlu.tracker_store import ERASE_SLOT, ErasingSQLTrackerStore

CUSTOM = [{"type": "custom"}]
DOMAIN = Domain.from_dict({"slots": {ERASE_SLOT: {"type": "bool", "mappings": CUSTOM},
                                     "country": {"type": "text", "mappings": CUSTOM}}})


def make_store(tmp_path, **kwargs):
    return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                                  **kwargs)


def rows(store, sender):
    with store.engine.connect() as conn:
        return conn.execute(sa.text("select count(*) from events where sender_id = :s"),
                            {"s": sender}).scalar()


def conversation(sender, timestamp=None):
    events = [ActionExecuted("action_listen", timestamp=timestamp),
              UserUttered("hola", {"name": "greet"}, timestamp=timestamp),
              SlotSet("country", "MX", timestamp=timestamp)]
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def test_erase_request_deletes_every_stored_event(tmp_path):
    store = make_store(tmp_path)
    tracker = conversation("alice")
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(conversation("bob")))
    assert rows(store, "alice") == 3
    tracker.update(SlotSet(ERASE_SLOT, True))
    asyncio.run(store.save(tracker))
    assert rows(store, "alice") == 0
    assert rows(store, "bob") == 3
    assert asyncio.run(store.retrieve("alice")) is None


def test_a_false_erase_slot_erases_nothing(tmp_path):
    store = make_store(tmp_path)
    tracker = conversation("carol")
    tracker.update(SlotSet(ERASE_SLOT, False))
    asyncio.run(store.save(tracker))
    assert rows(store, "carol") == 4


def test_retention_purges_only_expired_conversations(tmp_path):
    store = make_store(tmp_path, retention_days=30, purge_interval_seconds=3600)
    store._last_purge = time.time()  # saving must not purge here; the test purges explicitly
    old = time.time() - 31 * 86400
    asyncio.run(store.save(conversation("old", timestamp=old)))
    asyncio.run(store.save(conversation("recent")))
    assert rows(store, "old") == 3
    removed = store.purge_expired()
    assert removed == 3
    assert rows(store, "old") == 0
    assert rows(store, "recent") == 3


def test_purge_runs_on_save_at_most_once_per_interval(tmp_path):
    store = make_store(tmp_path, retention_days=1, purge_interval_seconds=3600)
    asyncio.run(store.save(conversation("first")))
    old = time.time() - 2 * 86400
    asyncio.run(store.save(conversation("stale", timestamp=old)))
    assert rows(store, "stale") == 3, "the purge already ran during the first save"
    store._last_purge = 0
    asyncio.run(store.save(conversation("another")))
    assert rows(store, "stale") == 0


class BrokenStore(ErasingSQLTrackerStore):
    """The erasing store whose database went away."""

    async def retrieve(self, sender_id):
        raise sa.exc.OperationalError("select", {}, ConnectionRefusedError())

    async def save(self, tracker):
        raise sa.exc.OperationalError("insert", {}, ConnectionRefusedError())


def test_a_store_error_fails_the_turn_instead_of_a_blank_conversation(tmp_path, caplog):
    from rasa.core.agent import Agent

    import helpline_nlu  # noqa: F401  (installs the refusing wrapper)

    wrapped = Agent._create_tracker_store(BrokenStore(domain=DOMAIN, dialect="sqlite",
                                                      db=str(tmp_path / "t.db")), DOMAIN)
    tracker = conversation("s")
    with pytest.raises(sa.exc.OperationalError):
        asyncio.run(wrapped.retrieve("s"))
    with pytest.raises(sa.exc.OperationalError):
        asyncio.run(wrapped.save(tracker))
    # Nothing was kept in memory for this process alone.
    assert wrapped._fallback_tracker_store is None
    assert "no in-memory fallback" in caplog.text
