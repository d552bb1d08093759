"""Rasa's Redis ticket lock, made atomic across replicas, with a logged per-process fallback.

Rasa's `RedisLockStore` reads a conversation's lock, changes it and writes it back in separate
commands, so two replicas issuing a ticket at the same moment can both be served at once, and
one replica's clean-up can delete a lock another is waiting on (the waiter then fails its turn).
Here each change is one optimistic Redis transaction (WATCH, then MULTI/EXEC, retried when the
key changed underneath). While Redis cannot be reached the store says so once at WARNING and
locks conversations per process (one Rasa replica's turns stay serial; the gateways still keep
one message per sender in flight), checks Redis again every `RETRY_SECONDS`, and says when it is
back.
"""

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Optional

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

#: Seconds between attempts to reach Redis again while the per-process fallback is in use.
RETRY_SECONDS = 5.0
#: Redis commands give up after this long, so a stopped server costs a turn this much at most.
SOCKET_TIMEOUT = 0.5
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)

Change = Callable[[Optional[TicketLock]], tuple[Any, Optional[TicketLock]]]


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket changes are each one Redis transaction."""

    def _transact(self, conversation_id: str, change: Change) -> Any:
        """Apply `change` (old lock -> result, new lock or None to delete) atomically."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    old = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, new = change(old)
                    pipe.multi()
                    if new is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        return int(self._transact(conversation_id, change))

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: Optional[TicketLock]) -> tuple[None, Optional[TicketLock]]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._transact(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; delete the lock only when nobody is waiting, in the same
        transaction (so a ticket issued meanwhile by another replica is never lost)."""

        def change(lock: Optional[TicketLock]) -> tuple[None, Optional[TicketLock]]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        self._transact(conversation_id, change)


class SharedLockStore(LockStore):
    """The lock store Rasa loads from endpoints.yml (`type: helpline_nlu.lock_store.
    SharedLockStore`, with the keys of Rasa's `redis` type): Redis, atomically, and a
    per-process lock while Redis is unreachable."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = {k: v for k, v in endpoint_config.kwargs.items() if k != "type"}
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        self.redis = AtomicRedisLockStore(host=endpoint_config.url or "localhost", **options)
        self.local = InMemoryLockStore()
        self._down_since: Optional[float] = None
        self._next_check = 0.0
        super().__init__()

    @property
    def shared(self) -> bool:
        """True while conversations are locked in Redis (for every replica)."""
        return self._down_since is None

    def _unreachable(self, exc: Exception) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.warning(
                "Redis lock store unreachable (%s): conversations are now locked per Rasa "
                "process, not across replicas, until Redis answers (checked every %.0f s)",
                type(exc).__name__, RETRY_SECONDS)
        self._next_check = time.monotonic() + RETRY_SECONDS

    def _store(self) -> LockStore:
        """Redis when it answers (checked again once the retry delay has passed)."""
        if self._down_since is None:
            return self.redis
        if time.monotonic() < self._next_check:
            return self.local
        try:
            self.redis.red.ping()
        except UNREACHABLE as exc:
            self._unreachable(exc)
            return self.local
        logger.warning("Redis lock store reachable again after %.0f s: conversations are "
                       "locked across replicas again", time.monotonic() - self._down_since)
        self._down_since = None
        return self.redis

    # The abstract storage calls, for whatever Rasa calls beyond `lock` (none in 3.6).
    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self._store().get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._store().delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._store().save_lock(lock)

    def _issue(self, conversation_id: str, lock_lifetime: float) -> tuple[LockStore, int]:
        store = self._store()
        if store is self.redis:
            try:
                return store, self.redis.issue_ticket(conversation_id, lock_lifetime)
            except UNREACHABLE as exc:
                self._unreachable(exc)
                store = self.local
        return store, store.issue_ticket(conversation_id, lock_lifetime)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncIterator[TicketLock]:
        store, ticket = self._issue(conversation_id, lock_lifetime)
        try:
            try:
                acquired = await store._acquire_lock(conversation_id, ticket,
                                                     wait_time_in_seconds)
            except UNREACHABLE as exc:
                # Redis went away while this turn waited: wait in this process instead.
                self._unreachable(exc)
                store, ticket = self.local, self.local.issue_ticket(conversation_id,
                                                                    lock_lifetime)
                acquired = await store._acquire_lock(conversation_id, ticket,
                                                     wait_time_in_seconds)
            yield acquired
        finally:
            try:
                store.cleanup(conversation_id, ticket)
            except UNREACHABLE as exc:
                # The ticket expires in Redis after its lifetime; nobody waits longer.
                self._unreachable(exc)

