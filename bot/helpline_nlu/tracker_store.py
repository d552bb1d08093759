"""SQL tracker store that erases conversations: on request and after the retention period.

A conversation is erased at once when the events being saved set the slot `erase_requested`
(set by `action_delete_my_data` after the user confirms): every stored row for that sender is
deleted and the in-flight events are not written. Conversations whose newest event is older than
`retention_days` are deleted, checked at most once per `purge_interval_seconds`.
"""

import logging
import time
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

ERASE_SLOT = "erase_requested"


class ErasingSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` plus erasure on request and a retention limit."""

    def __init__(
        self,
        retention_days: float = 30,
        purge_interval_seconds: float = 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.retention_seconds = float(retention_days) * 86400
        self.purge_interval_seconds = float(purge_interval_seconds)
        self._last_purge = 0.0

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store new events, unless they ask for the conversation to be erased."""
        if self._erase_requested(tracker):
            removed = self.erase(tracker.sender_id)
            logger.info("Conversation erased on request (%d stored events removed).", removed)
            return
        await super().save(tracker)
        self._maybe_purge()

    @staticmethod
    def _erase_requested(tracker: DialogueStateTracker) -> bool:
        # A true `erase_requested` is never stored: the save that sees it erases instead. So
        # any such event in the tracker is new, and no query is needed to tell new from stored.
        return any(
            isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value
            for event in tracker.events
        )

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of one sender; returns how many rows went."""
        with self.session_scope() as session:
            result = session.execute(
                sa.delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id),
                execution_options={"synchronize_session": False},
            )
            session.commit()
            return int(result.rowcount or 0)

    def purge_expired(self, now: Optional[float] = None) -> int:
        """Delete conversations whose newest event is older than the retention period."""
        cutoff = (now or time.time()) - self.retention_seconds
        event = self.SQLEvent
        with self.session_scope() as session:
            expired = (
                sa.select(event.sender_id)
                .group_by(event.sender_id)
                .having(sa.func.max(event.timestamp) < cutoff)
            )
            result = session.execute(
                sa.delete(event).where(event.sender_id.in_(expired)),
                execution_options={"synchronize_session": False},
            )
            session.commit()
            removed = int(result.rowcount or 0)
        if removed:
            logger.info("Retention purge removed %d events.", removed)
        return removed

    def _maybe_purge(self) -> None:
        now = time.time()
        if now - self._last_purge < self.purge_interval_seconds:
            return
        self._last_purge = now
        try:
            self.purge_expired(now)
        except Exception:  # a failed purge must not lose the conversation being saved
            logger.exception("Retention purge failed; will retry later.")
