"""Accounts, passwords (Argon2id), login throttling and server-side sessions.

A session is a row keyed by the SHA-256 of a random id; the browser holds that id signed
(`console.security`). Logging out deletes the row, disabling a user deletes all of theirs, and a
session ends after `idle` without a request or `max_age` after login, whichever comes first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from console.models import ROLES, LoginSession, User, utcnow

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong
#: password and response times do not tell which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A bad e-mail, role or password; the message says which."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    language: str | None
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _account(u: User) -> Account:
    return Account(u.id, u.email, u.role, u.language, u.active, u.created_at, u.last_login_at)


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not EMAIL.match(value) or len(value) > 254:
        raise AccountError(f"not an e-mail address: {email!r}")
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise AccountError("the password repeats too few characters")


def add_user(engine: Engine, email: str, password: str, role: str) -> Account:
    """Create an account (the e-mail must be new)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    address = normalise_email(email)
    check_password(password)
    with Session(engine, expire_on_commit=False) as s, s.begin():
        if s.scalar(select(User).where(User.email == address)) is not None:
            raise AccountError(f"{address} already has an account")
        user = User(email=address, password_hash=_hasher.hash(password), role=role, active=True,
                    created_at=utcnow())
        s.add(user)
        s.flush()
        return _account(user)


def set_active(engine: Engine, email: str, active: bool) -> Account:
    """Disable (or re-enable) an account; disabling ends every session it has."""
    address = normalise_email(email)
    with Session(engine, expire_on_commit=False) as s, s.begin():
        user = s.scalar(select(User).where(User.email == address))
        if user is None:
            raise AccountError(f"no account for {address}")
        user.active = active
        if not active:
            s.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        return _account(user)


def set_password(engine: Engine, email: str, password: str) -> None:
    address = normalise_email(email)
    check_password(password)
    with Session(engine) as s, s.begin():
        user = s.scalar(select(User).where(User.email == address))
        if user is None:
            raise AccountError(f"no account for {address}")
        user.password_hash = _hasher.hash(password)
        s.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def list_users(engine: Engine) -> list[Account]:
    with Session(engine) as s:
        return [_account(u) for u in s.scalars(select(User).order_by(User.email))]


def set_language(engine: Engine, user_id: int, lang: str) -> None:
    with Session(engine) as s, s.begin():
        user = s.get(User, user_id)
        if user is not None:
            user.language = lang


def authenticate(engine: Engine, email: str, password: str) -> Account | None:
    """The account when the password is right and the account is active, else None."""
    try:
        address = normalise_email(email)
    except AccountError:
        address = ""
    with Session(engine, expire_on_commit=False) as s, s.begin():
        user = s.scalar(select(User).where(User.email == address)) if address else None
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = utcnow()
        return _account(user)


class LoginThrottle:
    """Refuses an e-mail (and a client address) after too many failures in a window.

    In memory, per console process: the console runs as one process (it holds no conversation
    state and serves a handful of staff), so this needs no shared store."""

    def __init__(self, max_failures: int, window_seconds: float,
                 per_client_factor: int = 4) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.per_client = max_failures * per_client_factor
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, email: str, client: str, now: float | None = None) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            wait = 0.0
            for key, limit in ((f"e:{email.strip().lower()}", self.max_failures),
                               (f"c:{client}", self.per_client)):
                q = self._recent(key, now)
                if len(q) >= limit:
                    wait = max(wait, self.window - (now - q[0]))
            return wait

    def failed(self, email: str, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in (f"e:{email.strip().lower()}", f"c:{client}"):
                self._recent(key, now).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(f"e:{email.strip().lower()}", None)


def _hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    account: Account
    csrf_token: str


def start_session(engine: Engine, account: Account) -> str:
    """A new session for `account`; returns the random id the cookie will carry (signed)."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    with Session(engine) as s, s.begin():
        s.add(LoginSession(id_hash=_hash_id(session_id), user_id=account.id,
                           csrf_token=secrets.token_urlsafe(32), created_at=now,
                           last_seen_at=now))
    return session_id


def resume_session(engine: Engine, session_id: str, idle: dt.timedelta,
                   max_age: dt.timedelta) -> SignedIn | None:
    """The signed-in account of `session_id`, or None when unknown, expired or disabled
    (an expired session is deleted)."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as s, s.begin():
        row = s.get(LoginSession, _hash_id(session_id))
        if row is None:
            return None
        user = s.get(User, row.user_id)
        if (user is None or not user.active or now - row.last_seen_at > idle
                or now - row.created_at > max_age):
            s.delete(row)
            return None
        if now - row.last_seen_at > dt.timedelta(seconds=30):  # at most one write per 30 s
            row.last_seen_at = now
        return SignedIn(_account(user), row.csrf_token)


def end_session(engine: Engine, session_id: str) -> None:
    with Session(engine) as s, s.begin():
        s.execute(delete(LoginSession).where(LoginSession.id_hash == _hash_id(session_id)))


def purge_expired(engine: Engine, idle: dt.timedelta, max_age: dt.timedelta) -> int:
    now = utcnow()
    with Session(engine) as s, s.begin():
        result = s.execute(delete(LoginSession).where(
            (LoginSession.last_seen_at < now - idle) | (LoginSession.created_at < now - max_age)))
        return int(getattr(result, "rowcount", 0) or 0)
