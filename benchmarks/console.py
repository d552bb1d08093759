"""Console budgets: the entitlement checker page p95 (≤ 50 ms) on SQLite and PostgreSQL, and
the console's resident memory (≤ 150 MB).

Each backend gets a migrated and seeded knowledge base and a console database of its own (a
temporary SQLite file, or a fresh schema on the PostgreSQL server at 127.0.0.1:5432), then the
real console runs as its own process (`python -m console`) and one signed-in caseworker posts
the checker form for a rotation of real profiles, as a browser would (CSRF token, session
cookie). Times are client-side, request sent to page received; RSS is read from /proc after
the run. `python -m benchmarks.console [--requests N] [--backend sqlite|postgresql]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks.measure import percentile, rss_mb
from devstack.supervisor import free_port

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EMAIL, PASSWORD = "bench@example.org", "benchmark password 2026"
PROFILES: list[dict[str, object]] = [
    {"country": "PE", "nationality": "VE", "migration_status": "irregular", "age": "30",
     "sex": "female", "situation": ["pregnant"], "city": "Lima"},
    {"country": "MX", "nationality": "HN", "migration_status": "asylum_seeker", "age": "16",
     "situation": ["unaccompanied_minor"], "lat": "14.9", "lon": "-92.26"},
    {"country": "CO", "nationality": "VE", "migration_status": "irregular", "age": "40",
     "situation": ["violence_victim"], "city": "Bogotá"},
    {"country": "US", "nationality": "GT", "age": "25", "situation": ["detained"]},
    {"country": "ES", "nationality": "CO", "migration_status": "regular", "age": "55"},
    {"country": "BR", "nationality": "HT", "migration_status": "refugee", "age": "8"},
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextlib.contextmanager
def databases(backend: str, tmp: Path) -> Iterator[tuple[str, str]]:
    """(knowledge base URL, console URL), migrated and seeded, removed afterwards."""
    from sqlalchemy import create_engine, text

    from knowledge.db import make_engine, session_scope
    from knowledge.setup import migrate, seed

    schema = None
    if backend == "sqlite":
        kb, console = f"sqlite:///{tmp / 'kb.db'}", f"sqlite:///{tmp / 'console.db'}"
    else:
        schema = f"consolebench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        kb = console = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    try:
        migrate(kb)
        engine = make_engine(kb)
        with session_scope(engine) as s:
            seed(s)
        engine.dispose()
        from console.accounts import add_user
        from console.db import console_engine
        from console.db import migrate as console_migrate

        console_migrate(console)
        ce = console_engine(console)
        add_user(ce, EMAIL, PASSWORD, "caseworker")
        ce.dispose()
        yield kb, console
    finally:
        if schema:
            admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@contextlib.contextmanager
def console_process(kb: str, console: str, **env_values: str) -> Iterator[tuple[str, int]]:
    """The real console as its own process on a free port: (base URL, pid)."""
    port = free_port()
    env = {**os.environ, "HELPLINE_ENV": "test", "DATABASE_URL": kb,
           "CONSOLE_DATABASE_URL": console, "CONSOLE_PORT": str(port),
           "CONSOLE_SECRET_KEY": "benchmark-0123456789abcdefghijklmnopq", **env_values}
    proc = subprocess.Popen([sys.executable, "-m", "console"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the console did not start")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


def sign_in(client: httpx.Client, email: str = EMAIL, password: str = PASSWORD) -> None:
    """Sign `client` in as a browser would (the login form's CSRF token, then the cookie)."""
    token = CSRF.search(client.get("/login").text)
    assert token
    r = client.post("/login", data={"email": email, "password": password,
                                    "csrf_token": token.group(1)})
    assert r.status_code == 303, r.status_code


def measure(url: str, requests: int) -> dict[str, float]:
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False,
                      headers={"accept-language": "en"}) as client:
        sign_in(client)
        page = client.get("/checker")
        found = CSRF.search(page.text)
        assert found
        csrf = found.group(1)
        for profile in PROFILES * 3:  # warm-up: rule set, templates, connection pool
            client.post("/checker", data={**profile, "csrf_token": csrf})
        posts, gets = [], []
        for i in range(requests):
            profile = PROFILES[i % len(PROFILES)]
            start = time.perf_counter()
            r = client.post("/checker", data={**profile, "on": "2026-12-02", "csrf_token": csrf})
            posts.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200 and "Entitlements in" in r.text, r.status_code
            if i % 4 == 0:
                start = time.perf_counter()
                client.get("/checker")
                gets.append((time.perf_counter() - start) * 1000)
    return {"p50": percentile(posts, 50), "p95": percentile(posts, 95),
            "form_p95": percentile(gets, 95), "n": float(len(posts))}


def postgres_available() -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.console", description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgresql"]
    print("| backend | checker result p50 ms | p95 ms (budget 50) | empty form p95 ms | "
          "console RSS MB (budget 150) | requests |")
    print("|---|---|---|---|---|---|")
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            print("| postgresql | not measured: no server on 127.0.0.1:5432 | | | | |")
            continue
        with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp, \
                databases(backend, Path(tmp)) as (kb, console), \
                console_process(kb, console) as (url, pid):
            figures = measure(url, args.requests)
            rss = rss_mb(pid) or float("nan")
        print(f"| {backend} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
              f"{figures['form_p95']:.1f} | {rss:.0f} | {int(figures['n'])} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
