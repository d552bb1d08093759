"""Fixtures: a seeded knowledge base (SQLite file), a console database with one caseworker and
one admin, and the real console app behind Starlette's test client."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from console.accounts import add_user
from console.app import create_app
from console.db import console_engine, migrate
from console.settings import ConsoleSettings
from knowledge.db import make_engine, session_scope
from knowledge.setup import migrate as kb_migrate
from knowledge.setup import seed

PASSWORD = "correct horse battery staple"
CASEWORKER = "caseworker@example.org"
ADMIN = "admin@example.org"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def seeded_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated and seeded knowledge base, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("kb") / "knowledge.db"
    url = f"sqlite:///{path}"
    kb_migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        seed(s)
    engine.dispose()
    return path


@pytest.fixture(scope="session", autouse=True)
def fast_argon2() -> Iterator[None]:
    """Argon2id with small parameters, so each test's logins cost milliseconds (the hash and
    its checks are the same code; only time and memory cost differ)."""
    from argon2 import PasswordHasher

    from console import accounts

    original = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = original


@pytest.fixture(scope="session")
def console_db(tmp_path_factory: pytest.TempPathFactory, fast_argon2: None) -> Path:
    """A migrated console database with one caseworker and one admin (copied per test)."""
    path = tmp_path_factory.mktemp("console") / "console.db"
    url = f"sqlite:///{path}"
    migrate(url)
    engine = console_engine(url)
    add_user(engine, CASEWORKER, PASSWORD, "caseworker")
    add_user(engine, ADMIN, PASSWORD, "admin")
    engine.dispose()
    return path


@pytest.fixture
def settings(seeded_kb: Path, console_db: Path, tmp_path: Path) -> ConsoleSettings:
    kb = tmp_path / "knowledge.db"
    shutil.copy(seeded_kb, kb)
    shutil.copy(console_db, tmp_path / "console.db")
    url = f"sqlite:///{tmp_path / 'console.db'}"
    return ConsoleSettings(helpline_env="test", database_url=f"sqlite:///{kb}",
                           console_database_url=url,
                           console_secret_key="test-key-0123456789abcdefghijkl")


@pytest.fixture
def client(settings: ConsoleSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False,
                    headers={"accept-language": "en"}) as c:
        yield c


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/checker"})


@pytest.fixture
def caseworker(client: TestClient) -> TestClient:
    assert login(client, CASEWORKER).status_code == 303
    return client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    assert login(client, ADMIN).status_code == 303
    return client
