"""A turn whose conversation cannot be read or saved fails, rather than running on a blank one.

Rasa wraps every tracker store in `FailSafeTrackerStore`: when the store cannot be read it
starts the conversation afresh (slots, language, a pending confirmation gone) and when it
cannot be written it keeps the turn in this process's memory only, where no other replica sees
it and a restart loses it. For the helpline both are worse than failing: the gateway keeps the
message in its outbox, tells the person it will answer, and retries once the store is back.
`install()` (run when the package is imported, before Rasa builds its agent) makes Rasa wrap
stores in `RefusingTrackerStore` instead.
"""

import logging
from typing import Awaitable, Optional, TypeVar

import rasa.core.agent
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
T = TypeVar("T")


class RefusingTrackerStore(FailSafeTrackerStore):
    """`FailSafeTrackerStore` that logs a store error and lets it fail the turn."""

    async def _refusing(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except Exception as error:
            logger.error("tracker store failed to %s a conversation (%s): the turn fails and "
                         "the gateway retries it; no in-memory fallback", what,
                         type(error).__name__)
            raise

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._refusing("read", self._tracker_store.retrieve(sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._refusing("read",
                                    self._tracker_store.retrieve_full_tracker(sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._refusing("save", self._tracker_store.save(tracker))


def install() -> None:
    """Have Rasa's agent wrap its tracker store in `RefusingTrackerStore` (idempotent)."""
    rasa.core.agent.FailSafeTrackerStore = RefusingTrackerStore
